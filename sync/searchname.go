package sync

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// The admin's fan search matches names by prefix on search_name ("first
// last") and search_name_rev ("last first"). People type names without
// their accents or apostrophes: "chloe" for Chloé, "obrien" for O'Brien.
// So both the stored names and the query are folded the same way: lower
// case, accents dropped, apostrophes dropped, spaces collapsed. Rows
// written before keep their unfolded names until their profile is next
// written; the search looks for the query both ways meanwhile.

var dropMarks = runes.Remove(runes.In(unicode.Mn))

// SearchName folds s for the fan search.
func SearchName(s string) string {
	folded, _, err := transform.String(transform.Chain(norm.NFD, dropMarks, norm.NFC), s)
	if err != nil {
		folded = s
	}
	folded = strings.Map(func(r rune) rune {
		switch r {
		case '\'', '\u2019', '\u02bc', '`', '\u00b4':
			return -1
		}
		return unicode.ToLower(r)
	}, folded)
	return strings.Join(strings.Fields(folded), " ")
}

// SearchNames are a fan's search_name and search_name_rev.
func SearchNames(first, last string) (name, rev string) {
	return SearchName(first + " " + last), SearchName(last + " " + first)
}
