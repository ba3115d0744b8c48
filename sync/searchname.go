package sync

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The admin's fan search matches names by prefix on search_name ("first
// last") and search_name_rev ("last first"). People type names without
// their accents or apostrophes: "chloe" for Chloé, "obrien" for O'Brien.
// So both the stored names and the query are folded the same way: lower
// case, accents dropped, apostrophes dropped, spaces collapsed. Rows
// written before keep their unfolded names until their profile is next
// written; the search looks for the query both ways meanwhile.

// SearchName folds s for the fan search.
func SearchName(s string) string {
	if !plainASCII(s) { // most names are: every profile write folds two
		// Bodies are valid UTF-8 (checked at ingest); a query may not be,
		// and NFD stops decomposing at a broken byte.
		s = strings.ToValidUTF8(s, "")
		// Decomposed, an accent is a mark of its own (é = e + ◌́), dropped
		// below with the apostrophes.
		s = norm.NFD.String(s)
	}
	folded := strings.Map(func(r rune) rune {
		switch {
		case r == '\'' || r == '\u2019' || r == '\u02bc' || r == '`' || r == '\u00b4':
			return -1
		case r >= 0x80 && unicode.Is(unicode.Mn, r):
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Join(strings.Fields(folded), " ")
}

// SearchNames are a fan's search_name and search_name_rev.
func SearchNames(first, last string) (name, rev string) {
	return SearchName(first + " " + last), SearchName(last + " " + first)
}

// plainASCII: s has no accents to decompose.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
