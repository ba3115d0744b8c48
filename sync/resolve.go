package sync

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Identity kinds stored beside the provider ids in fan_identities.
const (
	identityEmail = "email"
	identityPhone = "phone"
)

// resolveFan finds or creates the fan a Person describes, merging fans the
// person shows to be one, and applies the person's profile. It returns 0 when
// the person carries no identifier at all, or was erased after this fact.
//
// The order of the CONTRACT: provider ids, then email, then phone. A phone
// alone never joins two people who hold different emails.
func (a *applier) resolveFan(p Person) (int64, error) {
	ids := personIdentities(p)
	if len(ids) == 0 {
		return 0, nil
	}
	suppressed, err := a.suppressed(ids)
	if err != nil || suppressed {
		a.namesErasedFan = a.namesErasedFan || suppressed
		return 0, err
	}

	if err := lockModel(a.tx); err != nil { // held already by a worker batch
		return 0, err
	}
	known, err := a.knownIdentities(ids)
	if err != nil {
		return 0, err
	}
	// Every fan found by a provider's id or by the email is this person,
	// whatever email each holds now: a record naming a provider id held by
	// one fan and an email held by another says that the person changed
	// email, and only merging them leaves the same fans whatever order the
	// records came in (story emailchange). A phone alone, which families
	// share, never joins people with different emails (addPhoneMatches).
	group := append([]fanRef(nil), known.strong...)
	if p.Phone != "" {
		group = a.addPhoneMatches(group, known.phone, p)
	}

	var fanID int64
	if len(group) == 0 {
		fanID, err = a.createFan(p)
		if err != nil {
			return 0, err
		}
	} else {
		sort.Slice(group, func(i, j int) bool { return group[i].id < group[j].id })
		fanID = group[0].id
		for _, other := range group[1:] {
			if err := a.mergeFans(other.id, fanID); err != nil {
				return 0, err
			}
		}
	}
	inGroup := map[int64]bool{fanID: true}
	for _, g := range group {
		inGroup[g.id] = true
	}
	for _, id := range ids {
		// A provider id or email is held by the group already, or by
		// nobody; a phone may be held by a family member outside it.
		if !known.heldBy(id, inGroup) && (id.Kind == identityPhone || len(known.holders[id]) == 0) {
			if err := a.attachIdentity(fanID, id); err != nil {
				return 0, err
			}
		}
	}
	if err := a.applyProfile(fanID, p); err != nil {
		return 0, err
	}
	return fanID, nil
}

func personIdentities(p Person) []Identity {
	var ids []Identity
	for _, id := range p.IDs {
		if v := strings.TrimSpace(id.Value); v != "" {
			ids = append(ids, Identity{id.Kind, v})
		}
	}
	if p.Email != "" {
		ids = append(ids, Identity{identityEmail, p.Email})
	}
	if p.Phone != "" {
		ids = append(ids, Identity{identityPhone, p.Phone})
	}
	return ids
}

type fanRef struct {
	id    int64
	email string
}

// identityMatches is what the database knows of a record's identifiers.
type identityMatches struct {
	strong  []fanRef // fans found by provider id or email, by id
	phone   []fanRef // fans holding the phone, by id
	holders map[Identity][]int64
}

func (m identityMatches) heldBy(id Identity, fans map[int64]bool) bool {
	for _, f := range m.holders[id] {
		if fans[f] {
			return true
		}
	}
	return false
}

// knownIdentities looks every identifier up in one query.
func (a *applier) knownIdentities(ids []Identity) (identityMatches, error) {
	if a.tx.cache != nil {
		return a.cachedKnownIdentities(ids)
	}
	m := identityMatches{holders: map[Identity][]int64{}}
	conds := make([]string, len(ids))
	args := make([]any, 0, 2*len(ids))
	for i, id := range ids {
		conds[i] = "(i.kind = ? AND i.value = ?)"
		args = append(args, id.Kind, id.Value)
	}
	// CROSS JOIN makes SQLite start from the identities' unique index;
	// left to itself it walked every live fan (merged_into IS NULL) and
	// each lookup grew with the number of fans.
	rows, err := a.tx.query(`SELECT i.kind, i.value, f.id, COALESCE(f.email, '') FROM fan_identities i
		CROSS JOIN fans f
		WHERE f.id = i.fan_id AND f.merged_into IS NULL AND (`+strings.Join(conds, " OR ")+`) ORDER BY f.id`, args...)
	if err != nil {
		return m, fmt.Errorf("find fans: %w", err)
	}
	defer rows.Close()
	seenStrong, seenPhone := map[int64]bool{}, map[int64]bool{}
	for rows.Next() {
		var id Identity
		var f fanRef
		if err := rows.Scan(&id.Kind, &id.Value, &f.id, &f.email); err != nil {
			return m, err
		}
		m.holders[id] = append(m.holders[id], f.id)
		if id.Kind == identityPhone {
			if !seenPhone[f.id] {
				seenPhone[f.id] = true
				m.phone = append(m.phone, f)
			}
		} else if !seenStrong[f.id] {
			seenStrong[f.id] = true
			m.strong = append(m.strong, f)
		}
	}
	return m, rows.Err()
}

func distinctEmails(fans []fanRef) int {
	seen := map[string]bool{}
	for _, f := range fans {
		if f.email != "" {
			seen[f.email] = true
		}
	}
	return len(seen)
}

// addPhoneMatches lets a phone join the record to fans. Fans holding the
// phone with no email, or with the record's email (its own, or the email of
// the fans found already), are the same person and join. A record with no
// email in hand takes the email of the fans holding its phone, unless they
// hold different emails (a family): then it cannot tell which of them it
// is, and joins none, rather than give one person another's consent.
func (a *applier) addPhoneMatches(group, phoneFans []fanRef, p Person) []fanRef {
	email := p.Email
	in := map[int64]bool{}
	for _, g := range group {
		in[g.id] = true
		if email == "" {
			email = g.email
		}
	}
	var candidates []fanRef
	for _, f := range phoneFans {
		if !in[f.id] {
			candidates = append(candidates, f)
		}
	}
	if email == "" && distinctEmails(candidates) > 1 {
		return group
	}
	for _, f := range candidates {
		if email == "" || f.email == "" || f.email == email {
			group = append(group, f)
		}
	}
	return group
}

func (a *applier) createFan(p Person) (int64, error) {
	if a.tx.cache != nil {
		cr, err := a.tx.cache.create(a.tx, row{table: "fans", seenAt: a.facts.FactAt})
		if err != nil {
			return 0, err
		}
		return cr.id, nil
	}
	return insertStamped(a.tx, row{table: "fans", seenAt: a.facts.FactAt}, nil, a.now)
}

// errIdentityRace: another transaction gave the identifier to another fan
// while this one ran. The delivery is retried, and then finds that fan.
var errIdentityRace = errors.New("identifier claimed by a concurrent transaction")

func (a *applier) attachIdentity(fanID int64, id Identity) error {
	if a.tx.cache != nil {
		return a.cachedAttachIdentity(fanID, id)
	}
	res, err := a.tx.exec(`INSERT INTO fan_identities (fan_id, kind, value, provider, first_seen_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		fanID, id.Kind, id.Value, a.facts.Provider, a.facts.FactAt)
	if err != nil {
		return fmt.Errorf("attach identity: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 || id.Kind == identityPhone {
		return nil
	}
	var holder int64
	if err := a.tx.scanRow("SELECT fan_id FROM fan_identities WHERE kind = ? AND value = ?",
		[]any{id.Kind, id.Value}, &holder); err != nil {
		return fmt.Errorf("attach identity: %w", err)
	}
	if holder != fanID {
		return fmt.Errorf("attach %s: %w", id.Kind, errIdentityRace)
	}
	return nil
}
