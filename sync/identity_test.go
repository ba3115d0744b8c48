package sync

import "testing"

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"jane@example.com", "jane@example.com"},
		{"  Jane.Doe@Example.COM \n", "jane.doe@example.com"},
		{"mailto:Jane@example.com", "jane@example.com"},
		{"Zoe\u0308@example.com", "zo\u00eb@example.com"}, // NFD -> NFC
		{"ZOË@EXAMPLE.COM", "zoë@example.com"},
		{"user+tag@sub.example.co.uk", "user+tag@sub.example.co.uk"},
		{"", ""},
		{"   ", ""},
		{"no-at-sign", ""},
		{"@example.com", ""},
		{"jane@", ""},
		{"jane@localhost", ""},
		{"jane@example..com", ""},
		{"jane@.example.com", ""},
		{"jane@example.com.", ""},
		{"jane doe@example.com", ""},
		{"a@b.com, c@d.com", ""},
		{"\xff@example.com", ""},
		{"Ron Weasley <Ron.Weasley@Hogwarts.co>", "ron.weasley@hogwarts.co"},
		{`"Weasley, Ron" <ron@hogwarts.co>`, "ron@hogwarts.co"},
		{"<ron@hogwarts.co>", "ron@hogwarts.co"},
		{"Ron <not an email>", ""},
		{"Ron <a@b.com>, Hermione <c@d.com>", ""},
	}
	for _, tt := range tests {
		if got := NormalizeEmail(tt.in); got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, region, want string }{
		{"+447700900123", "GB", "+447700900123"},
		{"+44 7700 900123", "GB", "+447700900123"},
		{"07700 900123", "GB", "+447700900123"},
		{"07700900123", "", "+447700900123"},
		{"00447700900123", "GB", "+447700900123"},
		{"447700900123", "GB", "+447700900123"},
		{"14088881234", "GB", "+14088881234"}, // Vibes MDN with country code
		{"14088881234", "US", "+14088881234"},
		{"+1 (408) 888-1234", "GB", "+14088881234"},
		{"4155550123", "US", "+14155550123"},
		{"+353871234567", "GB", "+353871234567"},
		{"+44726730425", "GB", "+44726730425"}, // FIXR example: possible, if not valid
		{"4088881235", "GB", ""},               // not British as written: no trunk prefix, not valid
		{"(604) 555-0135", "CA", "+16045550135"},
		{"0612345679", "FR", "+33612345679"},
		{"6045550140", "US", "+16045550140"},
		{"tel:07700900123", "GB", "+447700900123"},
		{"000010", "UY", ""}, // libphonenumber reads its E.164 back as another number
		{"", "GB", ""},
		{"n/a", "GB", ""},
		{"123", "GB", ""},
		{"+", "GB", ""},
		{"+999999999999999999999", "GB", ""},
	}
	for _, tt := range tests {
		if got := NormalizePhone(tt.in, tt.region); got != tt.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, want %q", tt.in, tt.region, got, tt.want)
		}
	}
}

func TestRegionOf(t *testing.T) {
	for in, want := range map[string]string{
		"GB": "GB", "gb": "GB", "UK": "GB", "United Kingdom": "GB", " england ": "GB", "Canada": "CA",
		"France": "FR", "United States": "US", "USA": "US", "Ireland": "IE", "Atlantis": "", "": "", "XX": "",
	} {
		if got := regionOf(in); got != want {
			t.Errorf("regionOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitFullName(t *testing.T) {
	tests := []struct{ in, first, last string }{
		{"Jane Doe", "Jane", "Doe"},
		{"  Mary  Ann   Smith ", "Mary Ann", "Smith"},
		{"Prince", "Prince", ""},
		{"", "", ""},
		{"Seán Ó Bráin", "Seán Ó", "Bráin"},
	}
	for _, tt := range tests {
		f, l := SplitFullName(tt.in)
		if f != tt.first || l != tt.last {
			t.Errorf("SplitFullName(%q) = %q, %q; want %q, %q", tt.in, f, l, tt.first, tt.last)
		}
	}
}
