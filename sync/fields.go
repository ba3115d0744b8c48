package sync

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Out-of-order safety rests on one rule, applied field by field: a value is
// replaced only by a value from a newer fact; between facts of the same time
// the larger canonical value wins. That rule is a maximum, so the final row
// is the same whatever order the deliveries arrive in.

// fieldTimesLayout is fixed-width so that stamps compare as strings.
const fieldTimesLayout = "2006-01-02T15:04:05.000000000Z"

// stubTime stamps values that only mention a row (an event named by a
// ticket): any real fact about the row beats them.
var stubTime = time.Time{}

var stubStamp = stamp(stubTime)

// fieldValue is one column's proposed value with the stamp of its fact.
type fieldValue struct {
	col   string
	val   any    // string, int64 or time.Time; never nil
	stamp string // stamp(the fact's time), formatted once per fact
}

// fieldTimes maps a column to the stamp of the fact that set it.
type fieldTimes map[string]string

// Stored, a row's field times group the columns by stamp, since one fact
// usually sets most of a row: {"2023-09-20T11:11:17Z":"currency quantity"}.
// Each stamp is written once and without trailing zeros, which halves the
// hot rows (a ticket's ten stamps were 464 of its ~600 bytes) and so the
// pages each batch writes. Rows written before keep the flat
// {"column":"stamp"} form, which is still read.

// parseFieldTimes reads both forms. Every row a batch loads has one, so
// the {"k":"v",…} it writes is read by hand (encoding/json was a tenth of a
// batch's CPU); anything else falls back to encoding/json.
func parseFieldTimes(raw string) fieldTimes {
	ft := fieldTimes{}
	if raw == "" || raw == "{}" {
		return ft
	}
	pairs := map[string]string{}
	if !scanFieldTimes(raw, pairs) {
		clear(pairs)
		_ = json.Unmarshal([]byte(raw), &pairs) // a damaged map only weakens old stamps
	}
	for k, v := range pairs {
		if k == "" || k[0] < '0' || k[0] > '9' {
			ft[k] = v // flat form: no column name starts with a digit
			continue
		}
		at := expandStamp(k)
		for col := range strings.FieldsSeq(v) {
			ft[col] = at
		}
	}
	return ft
}

// scanFieldTimes parses {"k":"v",…} with no escapes and no spaces.
func scanFieldTimes(raw string, pairs map[string]string) bool {
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return false
	}
	rest := raw[1 : len(raw)-1]
	for rest != "" {
		k, after, ok := scanQuoted(rest)
		if !ok || after == "" || after[0] != ':' {
			return false
		}
		v, after, ok := scanQuoted(after[1:])
		if !ok {
			return false
		}
		pairs[k] = v
		if after == "" {
			return true
		}
		if after[0] != ',' {
			return false
		}
		rest = after[1:]
	}
	return false // "{…,}"
}

// scanQuoted reads a leading "…" without escapes.
func scanQuoted(s string) (string, string, bool) {
	if s == "" || s[0] != '"' {
		return "", "", false
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 || strings.IndexByte(s[1:1+end], '\\') >= 0 {
		return "", "", false
	}
	return s[1 : 1+end], s[2+end:], true
}

// String renders the grouped form, stamps in order and columns sorted in
// each, so equal maps give equal text. Every row a batch writes renders
// one, so the usual map (plain column names and stamps) is written without
// a map of groups or quoting; anything else takes groupedString.
func (ft fieldTimes) String() string {
	type colAt struct{ at, col string }
	pairs := make([]colAt, 0, len(ft))
	size := 2
	for col, at := range ft {
		if !plainText(col) || !plainText(at) {
			return ft.groupedString()
		}
		pairs = append(pairs, colAt{at, col})
		size += len(at) + len(col) + 6
	}
	slices.SortFunc(pairs, func(a, b colAt) int {
		return cmp.Or(strings.Compare(a.at, b.at), strings.Compare(a.col, b.col))
	})
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, p := range pairs {
		if i > 0 && p.at == pairs[i-1].at {
			b = append(b, ' ')
			b = append(b, p.col...)
			continue
		}
		if i > 0 {
			b = append(b, '"', ',')
		}
		b = append(b, '"')
		b = appendCompactStamp(b, p.at)
		b = append(b, '"', ':', '"')
		b = append(b, p.col...)
	}
	if len(pairs) > 0 {
		b = append(b, '"')
	}
	b = append(b, '}')
	return string(b)
}

// plainText tells whether strconv.Quote would only add the quotes.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// groupedString is String for any map.
func (ft fieldTimes) groupedString() string {
	groups := map[string][]string{}
	for col, at := range ft {
		groups[at] = append(groups[at], col)
	}
	stamps := make([]string, 0, len(groups))
	for at := range groups {
		stamps = append(stamps, at)
	}
	slices.Sort(stamps)
	var b strings.Builder
	b.WriteByte('{')
	for i, at := range stamps {
		if i > 0 {
			b.WriteByte(',')
		}
		cols := groups[at]
		slices.Sort(cols)
		b.WriteString(strconv.Quote(compactStamp(at)))
		b.WriteByte(':')
		b.WriteString(strconv.Quote(strings.Join(cols, " ")))
	}
	b.WriteByte('}')
	return b.String()
}

// compactStamp drops a stamp's trailing zero fraction digits (RFC 3339 as
// time.RFC3339Nano writes it); expandStamp pads them back to the fixed
// width stamps compare in. Anything else passes through unchanged.
func compactStamp(at string) string { return string(appendCompactStamp(nil, at)) }

func appendCompactStamp(b []byte, at string) []byte {
	if len(at) != len(fieldTimesLayout) || at[19] != '.' || at[len(at)-1] != 'Z' {
		return append(b, at...)
	}
	if frac := strings.TrimRight(at[20:29], "0"); frac != "" {
		b = append(b, at[:20]...)
		b = append(b, frac...)
	} else {
		b = append(b, at[:19]...)
	}
	return append(b, 'Z')
}

func expandStamp(at string) string {
	if len(at) < 20 || at[len(at)-1] != 'Z' || len(at) >= len(fieldTimesLayout) {
		return at
	}
	if len(at) == 20 {
		return at[:19] + ".000000000Z"
	}
	if at[19] != '.' {
		return at
	}
	return at[:len(at)-1] + strings.Repeat("0", len(fieldTimesLayout)-len(at)) + "Z"
}

func stamp(t time.Time) string { return t.UTC().Format(fieldTimesLayout) }

// canonical renders a value for the tie-break; status columns compare by
// lifecycle rank first so that Live beats Draft at the same instant.
func canonical(col string, v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s = x
	case []byte:
		s = string(x)
	case int64:
		s = fmt.Sprintf("%020d", x)
	case int:
		s = fmt.Sprintf("%020d", x)
	case float64:
		s = fmt.Sprintf("%020d", int64(x))
	case time.Time:
		s = stamp(x)
	default:
		s = fmt.Sprint(x)
	}
	if col == "status" {
		return strconv.Itoa(statusRank(s)) + ":" + s
	}
	return s
}

func statusRank(status string) int {
	switch strings.ToLower(status) {
	case "draft":
		return 1
	case "live", "published", "on_sale":
		return 2
	case "ended", "cancelled", "canceled":
		return 3
	}
	return 0
}

// mergeFields decides which proposed values win over the current row.
// current holds the row's values by column (nil or missing: unknown). It
// returns the columns whose value changes, and whether any stamp moved (an
// equal value from a newer fact must still record the newer time, or an
// older fact arriving later would win the tie-break).
func mergeFields(current map[string]any, times fieldTimes, proposed []fieldValue) (map[string]any, bool) {
	var won map[string]any // made on the first win: most facts repeat what is known
	stamped := false
	for _, p := range proposed {
		if won[p.col] != nil {
			// Two values for one column in one delivery: same rule.
			if !beats(p, times[p.col], won[p.col]) {
				continue
			}
		} else if cur, has := current[p.col]; has && cur != nil {
			if !beats(p, times[p.col], cur) {
				continue
			}
		}
		if won == nil {
			won = make(map[string]any, len(proposed))
		}
		won[p.col] = p.val
		if times[p.col] != p.stamp {
			times[p.col] = p.stamp
			stamped = true
		}
	}
	for col, v := range won {
		if cur, has := current[col]; has && sameValue(col, cur, v) {
			delete(won, col)
		}
	}
	return won, stamped
}

func beats(p fieldValue, curStamp string, cur any) bool {
	if curStamp == "" {
		curStamp = stubStamp
	}
	if p.stamp != curStamp {
		return p.stamp > curStamp
	}
	return canonical(p.col, p.val) > canonical(p.col, cur)
}

// sameValue is canonical(col, a) == canonical(col, b), without rendering
// the usual strings and integers: every field a fact repeats is compared.
func sameValue(col string, a, b any) bool {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return x == y
		}
	case int64:
		if y, ok := b.(int64); ok {
			return x == y
		}
	}
	return canonical(col, a) == canonical(col, b)
}

// proposals builds fieldValues, skipping empty strings and nil pointers so
// that "not given" never erases what is known.
type proposals struct {
	at    time.Time
	stamp string // of at, once it is needed
	list  []fieldValue
}

func (p *proposals) add(col string, v any) {
	if p.stamp == "" {
		p.stamp = stamp(p.at)
		p.list = make([]fieldValue, 0, 8) // a fact proposes a handful of columns
	}
	p.list = append(p.list, fieldValue{col, v, p.stamp})
}

func (p *proposals) str(col, v string) {
	if v = strings.TrimSpace(v); v != "" {
		p.add(col, v)
	}
}

func (p *proposals) int(col string, v *int64) {
	if v != nil {
		p.add(col, *v)
	}
}

func (p *proposals) id(col string, v int64) {
	if v != 0 {
		p.add(col, v)
	}
}

func (p *proposals) time(col string, v *time.Time) {
	if v != nil && !v.IsZero() {
		p.add(col, v.UTC())
	}
}
