package sync

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// seedFiles adds every testdata body of provider (valid and invalid) to f.
func seedFiles(f *testing.F, provider string) {
	for _, pattern := range []string{"*.json", "invalid/*.json"} {
		paths, _ := filepath.Glob(filepath.Join("testdata", provider, pattern))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

// fuzzParser checks the invariants every parser keeps on any input: no
// panic, the provider named, and person references in range.
func fuzzParser(f *testing.F, provider string, parse func([]byte, time.Time) (Facts, error)) {
	seedFiles(f, provider)
	f.Fuzz(func(t *testing.T, body []byte) {
		facts, err := parse(body, receivedAt)
		if facts.Provider != provider {
			t.Fatalf("provider %q", facts.Provider)
		}
		if err != nil {
			return
		}
		if facts.FactAt.IsZero() || facts.FactAt.Location() != time.UTC {
			t.Fatalf("FactAt %v", facts.FactAt)
		}
		in := func(i int) bool { return i >= -1 && i < len(facts.People) }
		for _, c := range facts.Consents {
			if c.Person < 0 || !in(c.Person) {
				t.Fatalf("consent person %d of %d", c.Person, len(facts.People))
			}
		}
		for _, tk := range facts.Tickets {
			if !in(tk.Person) {
				t.Fatalf("ticket person %d", tk.Person)
			}
		}
		if facts.Order != nil && !in(facts.Order.Person) {
			t.Fatalf("order person %d", facts.Order.Person)
		}
		if facts.FormEntry != nil && !in(facts.FormEntry.Person) {
			t.Fatalf("form person %d", facts.FormEntry.Person)
		}
	})
}

func FuzzParseFIXR(f *testing.F)         { fuzzParser(f, ProviderFIXR, ParseFIXR) }
func FuzzParseTikkl(f *testing.F)        { fuzzParser(f, ProviderTikkl, ParseTikkl) }
func FuzzParseTradableBits(f *testing.F) { fuzzParser(f, ProviderTradableBits, ParseTradableBits) }
func FuzzParseVibes(f *testing.F)        { fuzzParser(f, ProviderVibes, ParseVibes) }

func FuzzDeliveryKey(f *testing.F) {
	providers := []string{ProviderFIXR, ProviderTikkl, ProviderTradableBits, ProviderVibes}
	for _, p := range providers {
		seedFiles(f, p)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range providers {
			if _, key := DeliveryKey(p, body); key == "" {
				t.Fatalf("%s: empty dedup key", p)
			}
		}
	})
}

// FuzzTopLevelFields holds the webhook key's shortcut to the decoder: on
// any input, when topLevelFields answers, it answers as decoding does. The
// seeds include every case it must decline; dropping a check fails one.
func FuzzTopLevelFields(f *testing.F) {
	for _, p := range []string{ProviderFIXR, ProviderTikkl, ProviderTradableBits, ProviderVibes} {
		seedFiles(f, p)
	}
	for _, seed := range []string{`{}`, ` { } `, `{"event":"a"}`, `{"event":"a","event":"b"}`,
		`{"EVENT":"a"}`, `{"Event":"a","event":"b"}`, `{"ev\u0065nt":"a"}`, `{"callbac\u212a_type":"a"}`,
		"{\"callbac\u212a_type\":\"a\"}", "{\"me\u017fsage_id\":\"a\"}", `{"a":{"event":"x"},"event":"y"}`,
		`{"a":["}",{"b":"]"}],"event":1}`, `{"a":"\"event\":","message_id":-1.5e3}`, `{"event":null}`,
		`{"event":{"x":1}}`, `{"event":"a" ,"message_id" : 2}`, `[1]`, `"event"`, `{"event":"a"`, `{"event":"a"}x`,
		`{"event":"a\u0000"}`, "{\"event\":\"\xff\"}", `{"a":true,"b":false,"c":null,"event":"z"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got [len(keyFields)]json.RawMessage
		if !json.Valid(body) || !topLevelFields(body, keyFields[:], got[:]) {
			return // its callers only pass valid JSON
		}
		sameRaw := func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }
		if want := decodeKeyFields(body); !slices.EqualFunc(got[:], want[:], sameRaw) {
			t.Fatalf("topLevelFields(%q) = %q, decoding gives %q", body, got, want)
		}
	})
}

// FuzzPlainScalar holds rawScalar's shortcut to the decoder: for any valid
// JSON value, when plainScalar answers, it answers as decoding does.
func FuzzPlainScalar(f *testing.F) {
	for _, seed := range []string{`"ticket_sold"`, `"8552135679096150"`, ` "x" `, `" padded "`, `1234`, `-1.5e3`,
		`"caf\u00e9"`, "\"caf\xc3\xa9\"", "\"\xff\"", `null`, `true`, `{"a":1}`, `[1]`, `""`, `"a\"b"`, `0.10`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // rawScalar only sees values a decoder has already accepted
		}
		raw = bytes.TrimSpace(raw) // as json.RawMessage holds them
		if got, ok := plainScalar(raw); ok {
			if want := decodedScalar(raw); got != want {
				t.Fatalf("plainScalar(%q) = %q, decoding gives %q", raw, got, want)
			}
		}
	})
}

func FuzzParseMinorUnits(f *testing.F) {
	for _, s := range []string{"8.0", "150.75", "0.82", "-3", "1e2", "12.500", "3500", "1,234.50", ".5", "9223372036854775807"} {
		for _, c := range []string{"GBP", "JPY", "BHD", "xx"} {
			f.Add(s, c)
		}
	}
	f.Fuzz(func(t *testing.T, amount, currency string) {
		v, err := ParseMinorUnits(amount, currency)
		if err != nil {
			return
		}
		// Only a leading minus makes an amount negative.
		if v < 0 && !strings.HasPrefix(strings.TrimSpace(amount), "-") {
			t.Fatalf("%q -> %d", amount, v)
		}
		// Exactness: the canonical decimal text of v parses back to v.
		canon := formatMinor(v, CurrencyExponent(NormalizeCurrency(currency)))
		if back, err := ParseMinorUnits(canon, currency); err != nil || back != v {
			t.Fatalf("%q -> %d -> %q -> %d, %v", amount, v, canon, back, err)
		}
	})
}

// formatMinor writes minor units as a decimal with exp fraction digits.
func formatMinor(v int64, exp int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	for len(s) <= exp {
		s = "0" + s
	}
	if exp > 0 {
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2023-09-20T10:57:14UTC", "2023-08-25T16:58:00Z", "2017-01-01T00:00Z",
		"2023-09-20T10:57:14", "2023-09-20 10:57:14", "2023-09-20", "2023-08-25T17:58:00.5+01:00",
		"11/05/1991", "1991/05/11",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tm, err := ParseTime(s); err == nil {
			if tm.Location() != time.UTC {
				t.Fatalf("%q: not UTC", s)
			}
			if back, err := ParseTime(tm.Format(time.RFC3339Nano)); err != nil || !back.Equal(tm) {
				t.Fatalf("%q -> %v does not round-trip: %v", s, tm, err)
			}
		}
		if d, err := ParseDate(s); err == nil {
			if _, err := time.Parse("2006-01-02", d); err != nil {
				t.Fatalf("ParseDate(%q) = %q", s, d)
			}
		}
		_ = NormalizeEmail(s)
		_ = NormalizePhone(s, "GB")
	})
}

// FuzzDecodeTree holds decodeTree to encoding/json: on any input, when it
// answers, encoding/json decodes the same tree. The seeds include every
// case it must decline; dropping a check fails one.
func FuzzDecodeTree(f *testing.F) {
	for _, p := range []string{ProviderFIXR, ProviderTikkl, ProviderTradableBits, ProviderVibes} {
		seedFiles(f, p)
	}
	for _, seed := range decodeTreeSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecodeTree(t, body)
	})
}

// FuzzSearchName: a provider's name folds to what the admin's search can
// find, the same whatever form it came in: folding again changes nothing,
// and nothing to fold (upper case, accents' marks, apostrophes, runs of
// spaces) is left.
func FuzzSearchName(f *testing.F) {
	for _, s := range []string{"Chloé O’Brien", "  ZOË   Ädler ", "Łukasz Żółć", "Seán Ó Bráin", "Mohammed Granger", "\xff\xfe", "İstanbul"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SearchName(s)
		if again := SearchName(got); again != got {
			t.Fatalf("SearchName(%q) = %q, and again %q", s, got, again)
		}
		if strings.TrimSpace(got) != got || strings.Contains(got, "  ") || strings.ContainsAny(got, "'’ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Fatalf("SearchName(%q) = %q: left something to fold", s, got)
		}
	})
}

// FuzzNormalizePhone: whatever a provider sends as a phone, the answer is
// empty or E.164, and normalizing it again gives itself.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+447700900123", "07700 900123", "(604) 555-0135", "0044 7700 900123", "14088881234", "4088881235", "tel:+1-408-888-1234"} {
		f.Add(s, "GB")
		f.Add(s, "US")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		got := NormalizePhone(s, region)
		if got == "" {
			return
		}
		if got[0] != '+' || strings.Trim(got[1:], "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q, %q) = %q, not E.164", s, region, got)
		}
		if again := NormalizePhone(got, region); again != got {
			t.Fatalf("NormalizePhone(%q, %q) = %q, and again %q", s, region, got, again)
		}
	})
}
