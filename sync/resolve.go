package sync

import (
	"fmt"
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
		return 0, err
	}

	strong, err := a.fansByIdentity(ids, false)
	if err != nil {
		return 0, err
	}
	group, err := a.compatibleGroup(strong, p)
	if err != nil {
		return 0, err
	}
	if p.Phone != "" {
		phoneFans, err := a.fansByIdentity([]Identity{{identityPhone, p.Phone}}, true)
		if err != nil {
			return 0, err
		}
		group, err = a.addPhoneMatches(group, phoneFans, p)
		if err != nil {
			return 0, err
		}
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
	if err := a.attachIdentities(fanID, ids); err != nil {
		return 0, err
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
	hashes := make([]string, len(ids))
	for i, id := range ids {
		hashes[i] = models.SuppressionHash(id.Kind, id.Value)
	}
	for _, h := range hashes {
		var n int64
		err := a.tx.scanRow("SELECT COUNT(*) FROM suppressions WHERE value_hash = ? AND erased_at >= ?",
			[]any{h, a.facts.FactAt}, &n)
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

// fansByIdentity returns the live fans holding any of ids; phones are left
// out unless phones is set, and then only phones are looked up.
func (a *applier) fansByIdentity(ids []Identity, phones bool) ([]fanRef, error) {
	var conds []string
	var args []any
	for _, id := range ids {
		if (id.Kind == identityPhone) != phones {
			continue
		}
		conds = append(conds, "(i.kind = ? AND i.value = ?)")
		args = append(args, id.Kind, id.Value)
	}
	if len(conds) == 0 {
		return nil, nil
	}
	rows, err := a.tx.query(`SELECT DISTINCT f.id, COALESCE(f.email, '') FROM fan_identities i
		JOIN fans f ON f.id = i.fan_id
		WHERE f.merged_into IS NULL AND (`+strings.Join(conds, " OR ")+`) ORDER BY f.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find fans: %w", err)
	}
	defer rows.Close()
	var out []fanRef
	for rows.Next() {
		var f fanRef
		if err := rows.Scan(&f.id, &f.email); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// compatibleGroup keeps the fans found by strong ids that can be one person:
// the first found leads, and a fan holding a different email from the
// group's never joins it.
func (a *applier) compatibleGroup(found []fanRef, p Person) ([]fanRef, error) {
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
	return group, nil
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
// merge; fans with another email never do.
func (a *applier) addPhoneMatches(group, phoneFans []fanRef, p Person) ([]fanRef, error) {
	email := p.Email
	for _, g := range group {
		if email == "" {
			email = g.email
		}
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
	return group, nil
}

func (a *applier) createFan(p Person) (int64, error) {
	return insertStamped(a.tx, row{table: "fans", seenAt: a.facts.FactAt}, nil, a.now)
}

func (a *applier) attachIdentities(fanID int64, ids []Identity) error {
	for _, id := range ids {
		_, err := a.tx.exec(`INSERT INTO fan_identities (fan_id, kind, value, provider, first_seen_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			fanID, id.Kind, id.Value, a.facts.Provider, a.facts.FactAt)
		if err != nil {
			return fmt.Errorf("attach identity: %w", err)
		}
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
	if _, err := upsertStamped(a.tx, row{table: "fans", keyCols: []string{"id"}, keyVals: []any{fanID}}, pr.list, a.now); err != nil {
		return err
	}
	if err := a.refreshSearch(fanID); err != nil {
		return err
	}
	return a.widenSeen(fanID, a.facts.FactAt, a.facts.FactAt)
}

// refreshSearch keeps the lower-cased name columns the admin search seeks on.
func (a *applier) refreshSearch(fanID int64) error {
	var first, last string
	if err := a.tx.scanRow("SELECT COALESCE(first_name, ''), COALESCE(last_name, '') FROM fans WHERE id = ?",
		[]any{fanID}, &first, &last); err != nil {
		return fmt.Errorf("load fan name: %w", err)
	}
	name := strings.ToLower(strings.TrimSpace(first + " " + last))
	rev := strings.ToLower(strings.TrimSpace(last + " " + first))
	_, err := a.tx.exec(`UPDATE fans SET search_name = ?, search_name_rev = ?
		WHERE id = ? AND (search_name <> ? OR search_name_rev <> ?)`, name, rev, fanID, name, rev)
	return err
}

func (a *applier) widenSeen(fanID int64, first, last time.Time) error {
	_, err := a.tx.exec(`UPDATE fans SET
		first_seen_at = CASE WHEN first_seen_at > ? THEN ? ELSE first_seen_at END,
		last_seen_at = CASE WHEN last_seen_at < ? THEN ? ELSE last_seen_at END
		WHERE id = ? AND (first_seen_at > ? OR last_seen_at < ?)`,
		first, first, last, last, fanID, first, last)
	if err != nil {
		return fmt.Errorf("update fan seen times: %w", err)
	}
	return nil
}
