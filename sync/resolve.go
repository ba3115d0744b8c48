package sync

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fanhook/fanhook/models"
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

	if err := a.lockIdentities(ids); err != nil {
		return 0, err
	}
	known, err := a.knownIdentities(ids)
	if err != nil {
		return 0, err
	}
	group := a.compatibleGroup(known.strong, p)
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
		// A provider id or email held by a fan outside the group stays
		// theirs: the two could not be merged (different emails).
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

// identityLockKey is the advisory lock that serializes, on PostgreSQL, the
// transactions resolving one identifier: without it two workers could each
// create a fan for one person (a phone joins nothing while the other fan is
// uncommitted).
func identityLockKey(id Identity) int64 {
	h := fnv.New64a()
	h.Write([]byte(id.Kind + "\x00" + id.Value))
	return int64(h.Sum64())
}

// lockBatchIdentities takes, before anything else, the locks of every
// identifier a batch names, in one sorted order: transactions that each
// took their locks delivery by delivery deadlocked (and PostgreSQL takes a
// second to notice). The locks last until the batch commits.
func lockBatchIdentities(tx *sqlTx, batch []parsedDelivery) error {
	seen := map[int64]bool{}
	var keys []int64
	for _, p := range batch {
		for _, person := range p.facts.People {
			for _, id := range personIdentities(person) {
				if k := identityLockKey(id); !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
	}
	slices.Sort(keys)
	// One round trip: the inner query sorts, the middle one locks row by
	// row in that order.
	var n int64
	err := tx.scanRow(`SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(k) FROM
		(SELECT k FROM unnest(?::bigint[]) AS k ORDER BY k) sorted) locked`, []any{keys}, &n)
	if err != nil {
		return fmt.Errorf("lock identities: %w", err)
	}
	tx.identitiesLocked = true
	return nil
}

// lockIdentities takes the locks of one record's identifiers (held already
// when its batch locked them all; taking one again is free of waits).
func (a *applier) lockIdentities(ids []Identity) error {
	if a.tx.dialect != models.DialectPostgres || a.tx.identitiesLocked {
		return nil
	}
	keys := make([]int64, len(ids))
	for i, id := range ids {
		keys[i] = identityLockKey(id)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, err := a.tx.exec("SELECT pg_advisory_xact_lock(?)", k); err != nil {
			return fmt.Errorf("lock identity: %w", err)
		}
	}
	return nil
}

// suppressed tells whether an erasure newer than this fact names any of the
// identifiers: the person must not come back from an old delivery.
func (a *applier) suppressed(ids []Identity) (bool, error) {
	if a.tx.anySuppressions == nil {
		var n int64
		if err := a.tx.scanRow("SELECT COUNT(*) FROM (SELECT 1 FROM suppressions LIMIT 1) s", nil, &n); err != nil {
			return false, fmt.Errorf("check suppressions: %w", err)
		}
		any := n > 0
		a.tx.anySuppressions = &any
	}
	if !*a.tx.anySuppressions {
		return false, nil
	}
	for _, id := range ids {
		var n int64
		err := a.tx.scanRow("SELECT COUNT(*) FROM suppressions WHERE kind = ? AND value_hash = ? AND erased_at >= ?",
			[]any{id.Kind, models.SuppressionHash(id.Kind, id.Value), a.facts.FactAt}, &n)
		if err != nil {
			return false, fmt.Errorf("check suppressions: %w", err)
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
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

// compatibleGroup keeps the fans found by strong ids that can be one person:
// the first found leads, and a fan holding a different email from the
// group's never joins it.
func (a *applier) compatibleGroup(found []fanRef, p Person) []fanRef {
	email := p.Email
	var group []fanRef
	for _, f := range found {
		if f.email != "" && email != "" && f.email != email {
			// The record's own email wins the conflict for the fan it names
			// by email; a fan named only by provider id with another email
			// is still this record's fan when nothing else is.
			if len(group) == 0 && !holdsEmail(found, email) {
				group = append(group, f)
			}
			continue
		}
		if email == "" {
			email = f.email
		}
		group = append(group, f)
	}
	return group
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

func holdsEmail(fans []fanRef, email string) bool {
	for _, f := range fans {
		if f.email == email {
			return true
		}
	}
	return false
}

// addPhoneMatches lets a phone join the record to fans. With no fan found
// yet, the lowest compatible fan holding the phone is the record's fan. With
// an email in hand, phone-only fans (no email) are the same person and
// merge; fans with another email never do. A record with no email whose
// phone is shared by people with different emails (a family) cannot tell
// which of them it is: it joins none, rather than give one person another's
// consent.
func (a *applier) addPhoneMatches(group, phoneFans []fanRef, p Person) []fanRef {
	email := p.Email
	for _, g := range group {
		if email == "" {
			email = g.email
		}
	}
	if email == "" && len(group) == 0 && distinctEmails(phoneFans) > 1 {
		return group
	}
	in := map[int64]bool{}
	for _, g := range group {
		in[g.id] = true
	}
	for _, f := range phoneFans {
		if in[f.id] {
			continue
		}
		switch {
		case len(group) == 0 && (email == "" || f.email == "" || f.email == email):
			group = append(group, f)
			in[f.id] = true
			if email == "" {
				email = f.email
			}
		case len(group) > 0 && email != "" && f.email == "":
			group = append(group, f)
			in[f.id] = true
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

// applyProfile writes the person's fields by the field-time rule and widens
// the fan's first and last seen times.
func (a *applier) applyProfile(fanID int64, p Person) error {
	pr := proposals{at: a.facts.FactAt}
	first, last := p.FirstName, p.LastName
	if first == "" && last == "" && p.FullName != "" {
		first, last = SplitFullName(p.FullName)
	}
	full := p.FullName
	if full == "" {
		full = strings.TrimSpace(first + " " + last)
	}
	pr.str("email", p.Email)
	pr.str("phone", p.Phone)
	pr.str("first_name", first)
	pr.str("last_name", last)
	pr.str("full_name", full)
	pr.str("date_of_birth", p.DateOfBirth)
	pr.str("gender", p.Gender)
	pr.str("postcode", p.Postcode)
	pr.str("country", p.Country)
	pr.str("language", p.Language)
	return a.saveFanProfile(fanID, pr.list, a.facts.FactAt, a.facts.FactAt)
}

// saveFanProfile applies profile values, the search columns derived from
// the final names and the seen times to one fan, in one read and at most
// one write.
func (a *applier) saveFanProfile(fanID int64, props []fieldValue, seenFirst, seenLast time.Time) error {
	if a.tx.cache != nil {
		return a.cachedSaveFanProfile(fanID, props, seenFirst, seenLast)
	}
	var (
		ftRaw                 string
		searchName, searchRev string
		firstSeen, lastSeen   time.Time
		values                = make([]any, len(profileCols))
	)
	dest := []any{&ftRaw, &searchName, &searchRev, &firstSeen, &lastSeen}
	for i := range values {
		dest = append(dest, &values[i])
	}
	lock := ""
	if a.tx.dialect == models.DialectPostgres {
		lock = " FOR UPDATE" // a fan reached by phone and by email in two workers at once
	}
	err := a.tx.scanRow(`SELECT field_times, search_name, search_name_rev, first_seen_at, last_seen_at, `+
		strings.Join(profileCols, ", ")+` FROM fans WHERE id = ?`+lock, []any{fanID}, dest...)
	if err != nil {
		return fmt.Errorf("load fan: %w", err)
	}
	current := make(map[string]any, len(profileCols))
	for i, c := range profileCols {
		if b, ok := values[i].([]byte); ok {
			values[i] = string(b)
		}
		current[c] = values[i]
	}
	times := parseFieldTimes(ftRaw)
	won, stamped := mergeFields(current, times, props)

	sets := []string{}
	args := []any{}
	for _, col := range profileCols {
		if v, ok := won[col]; ok {
			sets = append(sets, col+" = ?")
			args = append(args, v)
			current[col] = v
		}
	}
	if len(won) > 0 || stamped {
		sets = append(sets, "field_times = ?")
		args = append(args, times.String())
	}
	first, _ := current["first_name"].(string)
	last, _ := current["last_name"].(string)
	name := strings.ToLower(strings.TrimSpace(first + " " + last))
	rev := strings.ToLower(strings.TrimSpace(last + " " + first))
	if name != searchName || rev != searchRev {
		sets = append(sets, "search_name = ?", "search_name_rev = ?")
		args = append(args, name, rev)
	}
	if seenFirst.Before(firstSeen) {
		sets = append(sets, "first_seen_at = ?")
		args = append(args, seenFirst)
	}
	if seenLast.After(lastSeen) {
		sets = append(sets, "last_seen_at = ?")
		args = append(args, seenLast)
	}
	if len(sets) == 0 {
		return nil
	}
	sets = append(sets, "updated_at = ?")
	args = append(args, a.now, fanID)
	if _, err := a.tx.exec("UPDATE fans SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...); err != nil {
		return fmt.Errorf("update fan: %w", err)
	}
	return nil
}
