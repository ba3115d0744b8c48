package sync

import (
	"fmt"
	"strings"
	"time"

	"github.com/fanhook/fanhook/models"
)

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
	name, rev := SearchNames(first, last)
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
