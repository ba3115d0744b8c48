package web

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/sync"
)

// fanSearch is one page of a fan search. Q is what the admin typed; it is
// matched as a case-insensitive prefix of the email, of the name ("first
// last" or "last first") or of the phone. Every match is an index range
// (col >= lo AND col < hi) in (col, id) order, paged by keyset.
type fanSearch struct {
	Q        string
	Consent  string // marketing consent status, "none" for no consent known, "" for any
	AfterKey string
	AfterID  int64
	Limit    int
}

// consentFilters are the values the consent filter takes.
var consentFilters = []string{"opt_in", "opt_out", "soft_opt_in", "soft_opt_out", "none"}

// marketingConsentSQL is a fan's current marketing consent, ordered as the
// report_consents view orders it, read through consent_changes_fan_topic.
// An erased fan has none, as in the view: filtering by opt-in counted them.
const marketingConsentSQL = `(SELECT c.status FROM consent_changes c
	WHERE c.fan_id = fans.id AND fans.erased_at IS NULL AND c.topic = 'marketing'
	ORDER BY c.changed_at DESC, c.status DESC, c.provider DESC LIMIT 1)`

type fanHit struct {
	ID int64
	K  string
}

type searchBranch struct{ col, lo, hi string }

var phoneLike = regexp.MustCompile(`^\+?[0-9 ()./-]+$`)

// normalizeQuery folds case, Unicode form and spacing the way the stored
// search columns are folded.
func normalizeQuery(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 200 {
		q = q[:200]
	}
	q = strings.ToValidUTF8(q, "")
	return strings.ToLower(norm.NFC.String(q))
}

// searchBranches picks the columns a query can match.
func searchBranches(q string) []searchBranch {
	if q == "" {
		return nil
	}
	prefix := func(col, p string) searchBranch { return searchBranch{col, p, prefixEnd(p)} }
	if strings.Contains(q, "@") {
		return []searchBranch{prefix("email", q)}
	}
	if phoneLike.MatchString(q) {
		// "+44 (0)7700 …": the bracketed trunk 0 is not dialled from abroad.
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, strings.ReplaceAll(q, "(0)", ""))
		if len(digits) >= 3 {
			out := []searchBranch{prefix("phone", "+"+digits)}
			switch {
			case strings.HasPrefix(q, "+"):
			case strings.HasPrefix(digits, "00") && len(digits) > 2:
				// An international number dialled from Britain: 0044 7700 …
				out = append(out, prefix("phone", "+"+digits[2:]))
			case strings.HasPrefix(digits, "0") && len(digits) > 1:
				// A national number: stored numbers are E.164, and fanhook's
				// default region is GB.
				out = append(out, prefix("phone", "+44"+digits[1:]))
			case len(digits) >= 6:
				// A British number without its trunk 0: 7700 900123.
				out = append(out, prefix("phone", "+44"+digits))
			}
			return out
		}
	}
	out := []searchBranch{prefix("email", q), prefix("search_name", q), prefix("search_name_rev", q)}
	if folded := sync.SearchName(q); folded != q && folded != "" {
		out = append(out, prefix("search_name", folded), prefix("search_name_rev", folded))
	}
	return out
}

// prefixEnd is the least string greater than every string starting with p,
// in code point (= UTF-8 byte) order, or "" when there is none.
func prefixEnd(p string) string {
	for p != "" {
		r, size := utf8.DecodeLastRuneInString(p)
		p = p[:len(p)-size]
		if r < utf8.MaxRune {
			r++
			if r == 0xD800 {
				r = 0xE000 // skip the surrogates, which UTF-8 cannot hold
			}
			return p + string(r)
		}
	}
	return ""
}

// searchFans returns one page of matching live fans in order, and whether
// more follow.
func searchFans(ctx context.Context, db *gorm.DB, dialect string, s fanSearch) ([]fanHit, bool, error) {
	if s.Limit <= 0 {
		s.Limit = 50
	}
	var consentCond string
	var consentArgs []any
	switch s.Consent {
	case "":
	case "none":
		consentCond = " AND " + marketingConsentSQL + " IS NULL"
	default:
		consentCond = " AND " + marketingConsentSQL + " = ?"
		consentArgs = []any{s.Consent}
	}
	branches := searchBranches(normalizeQuery(s.Q))
	if len(branches) == 0 {
		sql := "SELECT id, '' AS k FROM fans WHERE merged_into IS NULL"
		var args []any
		if s.AfterID > 0 {
			sql += " AND id < ?"
			args = append(args, s.AfterID)
		}
		sql += consentCond + " ORDER BY id DESC LIMIT ?"
		var hits []fanHit
		if err := db.WithContext(ctx).Raw(sql, append(append(args, consentArgs...), s.Limit+1)...).Scan(&hits).Error; err != nil {
			return nil, false, err
		}
		if len(hits) > s.Limit {
			return hits[:s.Limit], true, nil
		}
		return hits, false, nil
	}
	// A fan can match on several columns ("ada" is in ada@… and "ada
	// lovelace"). Each fan is listed once, under its least matching value,
	// so pages never repeat a fan. A branch that filled its LIMIT bounds
	// what is known; past the least such bound, the next round seeks on.
	var page []fanHit
	cursor := fanHit{ID: s.AfterID, K: s.AfterKey}
	for {
		var found []fanHit
		var bound *fanHit
		for _, b := range branches {
			rows, err := seekBranch(ctx, db, dialect, b, cursor, consentCond, consentArgs, s.Limit+1)
			if err != nil {
				return nil, false, err
			}
			if len(rows) == s.Limit+1 {
				last := fanHit{ID: rows[s.Limit].ID, K: rows[s.Limit].K}
				if bound == nil || hitLess(last, *bound) {
					bound = &last
				}
			}
			for _, r := range rows {
				if r.K == r.leastMatch(branches) {
					found = append(found, fanHit{ID: r.ID, K: r.K})
				}
			}
		}
		sort.Slice(found, func(i, j int) bool { return hitLess(found[i], found[j]) })
		for i, h := range found {
			if bound != nil && hitLess(*bound, h) {
				break
			}
			if i > 0 && found[i-1] == h {
				continue // two columns hold the same value
			}
			page = append(page, h)
		}
		if len(page) > s.Limit {
			return page[:s.Limit], true, nil
		}
		if bound == nil {
			return page, false, nil
		}
		cursor = *bound
	}
}

func hitLess(a, b fanHit) bool {
	if a.K != b.K {
		return a.K < b.K
	}
	return a.ID < b.ID
}

// branchRow is a fan a branch found, with every searchable column.
type branchRow struct {
	ID            int64
	K             string
	Email         *string
	Phone         *string
	SearchName    string
	SearchNameRev string
}

// leastMatch is the least of the row's values that match a branch.
func (r branchRow) leastMatch(branches []searchBranch) string {
	least, found := "", false
	for _, b := range branches {
		var v string
		switch b.col {
		case "email":
			v = deref(r.Email)
		case "phone":
			v = deref(r.Phone)
		case "search_name":
			v = r.SearchName
		case "search_name_rev":
			v = r.SearchNameRev
		}
		if v >= b.lo && (b.hi == "" || v < b.hi) && (!found || v < least) {
			least, found = v, true
		}
	}
	return least
}

// seekBranch seeks one column's prefix range after the cursor.
func seekBranch(ctx context.Context, db *gorm.DB, dialect string, b searchBranch, after fanHit,
	consentCond string, consentArgs []any, limit int) ([]branchRow, error) {
	col := b.col
	if dialect == models.DialectPostgres {
		col += ` COLLATE "C"` // byte order, as the fans_*_c indexes
	}
	sql := "SELECT id, " + b.col + " AS k, email, phone, search_name, search_name_rev FROM fans WHERE " + col + " >= ?"
	args := []any{b.lo}
	if b.hi != "" {
		sql += " AND " + col + " < ?"
		args = append(args, b.hi)
	}
	if after.ID > 0 {
		sql += " AND (" + col + ", id) > (?, ?)"
		args = append(args, after.K, after.ID)
	}
	sql += " AND merged_into IS NULL" + consentCond + " ORDER BY " + col + ", id LIMIT ?"
	args = append(append(args, consentArgs...), limit)
	var rows []branchRow
	if err := db.WithContext(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	return rows, nil
}

// fanSummary is a search result row.
type fanSummary struct {
	ID          int64
	Email       *string
	Phone       *string
	FirstName   *string
	LastName    *string
	Consent     *string
	ErasedAt    *time.Time
	FirstSeenAt time.Time
	LastSeenAt  time.Time
	// As in report_fans: ticket lines held, and distinct events where one
	// of them was scanned.
	DateOfBirth    *string
	Tickets        int64
	EventsAttended int64
}

func (f fanSummary) Name() string {
	return strings.TrimSpace(deref(f.FirstName) + " " + deref(f.LastName))
}

// loadFanSummaries reads the fans of hits, in the hits' order.
func loadFanSummaries(ctx context.Context, db *gorm.DB, hits []fanHit) ([]fanSummary, error) {
	if len(hits) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	var rows []fanSummary
	err := db.WithContext(ctx).Raw(`SELECT id, email, phone, first_name, last_name, erased_at, first_seen_at,
		last_seen_at, `+marketingConsentSQL+` AS consent, date_of_birth,
		(SELECT COUNT(*) FROM tickets t WHERE t.fan_id = fans.id) AS tickets,
		(SELECT COUNT(DISTINCT t.event_id) FROM tickets t
		  WHERE t.fan_id = fans.id AND EXISTS (SELECT 1 FROM scans s WHERE s.ticket_id = t.id)) AS events_attended
		FROM fans WHERE id IN ?`, ids).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]fanSummary, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]fanSummary, 0, len(hits))
	for _, h := range hits {
		if r, ok := byID[h.ID]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}
