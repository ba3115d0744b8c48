package sync

import (
	"fmt"
	"strings"
	"time"
)

// Layouts with an explicit offset. Go accepts fractional seconds after the
// seconds field even when the layout has none, so RFC 3339 with fractions is
// covered by the first one.
var zonedLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04Z07:00", // Vibes: 2017-01-01T00:00Z
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z0700",
}

// Layouts without an offset: providers that send these mean UTC.
var naiveLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTime accepts the time formats the providers send — RFC 3339, FIXR's
// "2023-09-20T10:57:14UTC", Vibes' "2017-01-01T00:00Z", a space instead of
// the T, no zone (UTC) and a bare date (midnight UTC) — and returns UTC.
func ParseTime(s string) (time.Time, error) {
	orig := s
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	layouts := zonedLayouts
	if rest, ok := strings.CutSuffix(s, "UTC"); ok {
		s, layouts = strings.TrimSpace(rest), naiveLayouts
	} else if !hasZone(s) {
		layouts = naiveLayouts
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", orig)
}

// hasZone reports whether a timestamp ends in Z or a ±hh:mm offset; the date
// part's own dashes are skipped by only looking after the time separator.
func hasZone(s string) bool {
	if strings.HasSuffix(s, "Z") {
		return true
	}
	t := strings.IndexByte(s, 'T')
	if t < 0 {
		return false
	}
	return strings.ContainsAny(s[t:], "+-")
}

var dateLayouts = []string{
	"2006-01-02",
	"2006/01/02",
	"2/1/2006", // DD/MM/YYYY: fanhook's providers are European-facing
	"2.1.2006",
	"2-1-2006",
}

// ParseDate normalizes a birth date to YYYY-MM-DD. A datetime keeps the
// calendar date it names in its own zone: converting "1991-05-11T00:00+02:00"
// to UTC would move a birthday to the day before. A date that cannot be
// day first ("05/13/1991") is read month first, as it can only be meant.
func ParseDate(s string) (string, error) { return parseDate(s, dayFirstLayouts) }

var dayFirstLayouts = append(dateLayouts[:len(dateLayouts):len(dateLayouts)], "1/2/2006")

// ParseDateMonthFirst is ParseDate for an American provider (Vibes):
// "08/09/1988" is August 9th. A date that cannot be month first
// ("25/12/1990") is still read day first.
func ParseDateMonthFirst(s string) (string, error) { return parseDate(s, monthFirstLayouts) }

var monthFirstLayouts = append([]string{"1/2/2006"}, dateLayouts...)

func parseDate(s string, layouts []string) (string, error) {
	s = strings.TrimSpace(s)
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	if len(s) > 10 {
		if t, err := ParseTime(s); err == nil {
			if _, err := time.Parse("2006-01-02", s[:10]); err == nil {
				return s[:10], nil
			}
			return t.Format("2006-01-02"), nil
		}
	}
	return "", fmt.Errorf("unrecognised date %q", s)
}
