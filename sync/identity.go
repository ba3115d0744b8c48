package sync

import (
	"net/mail"
	"strings"
	gosync "sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail returns the form emails are matched on (CONTRACT: trimmed,
// lower-cased, Unicode NFC), or "" when s cannot be an address, so that junk
// typed into a form never becomes a key that merges fans.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 320 || !utf8.ValidString(s) {
		return ""
	}
	if strings.HasSuffix(s, ">") {
		// "Ron Weasley <ron@example.com>", as a mail client copies it.
		if a, err := mail.ParseAddress(s); err == nil {
			s = a.Address
		}
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "mailto:"), "MAILTO:")
	s = strings.ToLower(norm.NFC.String(s))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return ""
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == ',' || r == ';' || r == '<' || r == '>' {
			return ""
		}
	}
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return ""
	}
	return s
}

// NormalizePhone returns s in E.164, or "" when it is not a possible number.
// National numbers are read in defaultRegion ("GB" when empty). Vibes sends
// MDNs as bare digits with the country code ("14088881234"), so a long run of
// digits is first tried as international.
//
// A number without a country code is kept only if it is valid in the region,
// or written with the region's trunk prefix (07700 900123: Ofcom's range for
// examples, which libphonenumber does not call valid, is still a British
// number as written). "4088881235" read as British would otherwise become
// +444088881235, a number nobody has, and join fans by it.
func NormalizePhone(s, defaultRegion string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return ""
	}
	if defaultRegion == "" {
		defaultRegion = "GB"
	}
	defaultRegion = strings.ToUpper(defaultRegion)
	if strings.HasPrefix(s, "+") {
		return e164(s, defaultRegion)
	}
	if d := phoneDigits(s); len(d) >= 11 && !strings.HasPrefix(d, "0") {
		if e := e164("+"+d, defaultRegion); e != "" {
			return e
		}
	}
	return e164National(s, defaultRegion)
}

// e164Cache remembers parsed numbers: fans recur, and libphonenumber's
// parse (~10µs, regular expressions) was a quarter of a FIXR delivery's
// parse. Bounded by clearing it when full.
var e164Cache = struct {
	gosync.Mutex
	m map[string]string
}{m: map[string]string{}}

const e164CacheSize = 100_000

func e164(s, region string) string { return cachedE164(s, region, false) }

// e164National is e164 for a number written without a country code.
func e164National(s, region string) string { return cachedE164(s, region, true) }

func cachedE164(s, region string, national bool) string {
	key := region + "\x00" + s
	if national {
		key = "n" + key
	}
	e164Cache.Lock()
	e, ok := e164Cache.m[key]
	e164Cache.Unlock()
	if ok {
		return e
	}
	if n, err := phonenumbers.Parse(s, region); err == nil && phonenumbers.IsPossibleNumber(n) &&
		(!national || phonenumbers.IsValidNumber(n) || hasTrunkPrefix(s, region)) {
		e = phonenumbers.Format(n, phonenumbers.E164)
		// A number libphonenumber reads back as another ("000010" in
		// Uruguay gives +59800010, which reads as +5980010) is no one's:
		// stored, it would never match itself sent again in E.164.
		if back, err := phonenumbers.Parse(e, region); err != nil || phonenumbers.Format(back, phonenumbers.E164) != e {
			e = ""
		}
	}
	e164Cache.Lock()
	if len(e164Cache.m) >= e164CacheSize {
		clear(e164Cache.m)
	}
	e164Cache.m[key] = e
	e164Cache.Unlock()
	return e
}

// hasTrunkPrefix tells whether s's digits start with the region's national
// (trunk) prefix, "0" in Britain, as a number written for that region does.
func hasTrunkPrefix(s, region string) bool {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	prefix := phonenumbers.GetNddPrefixForRegion(region, true)
	return prefix != "" && strings.HasPrefix(digits, prefix)
}

// phoneDigits returns s's digits if s is only digits and common separators,
// else "".
func phoneDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return ""
		}
	}
	return b.String()
}

// SplitFullName splits a full name on its last space: "Mary Ann Smith" gives
// "Mary Ann" and "Smith". A single word is a first name.
func SplitFullName(full string) (first, last string) {
	f := strings.Fields(full)
	switch len(f) {
	case 0:
		return "", ""
	case 1:
		return f[0], ""
	}
	return strings.Join(f[:len(f)-1], " "), f[len(f)-1]
}

// keyed reports whether p carries something a fan can be found by; a person
// with only a name would create a new fan on every replay.
func (p Person) keyed() bool {
	return len(p.IDs) > 0 || p.Email != "" || p.Phone != ""
}

// addID appends a provider identity unless its value is empty.
func (p *Person) addID(kind, value string) {
	if value != "" {
		p.IDs = append(p.IDs, Identity{Kind: kind, Value: value})
	}
}

// setDateOfBirth keeps a birth date only when it parses: it is typed by
// fans, and a bad one must not fail the whole delivery (the raw body keeps it).
func (p *Person) setDateOfBirth(s string) {
	if d, err := ParseDate(s); err == nil {
		p.DateOfBirth = d
	}
}

// setDateOfBirthMonthFirst is setDateOfBirth for an American provider.
func (p *Person) setDateOfBirthMonthFirst(s string) {
	if d, err := ParseDateMonthFirst(s); err == nil {
		p.DateOfBirth = d
	}
}

// addPerson appends p to f.People and returns its index, or -1 when p has
// nothing to be found by.
func (f *Facts) addPerson(p Person) int {
	if !p.keyed() {
		return -1
	}
	f.People = append(f.People, p)
	return len(f.People) - 1
}
