package handlers

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		remote, xff, want string
		ok                bool
	}{
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5", true},
		{"10.0.0.2:4000", "", "10.0.0.2", true},
		{"10.0.0.2:4000", "198.51.100.1", "198.51.100.1", true},
		{"10.0.0.2:4000", "1.1.1.1, 198.51.100.1, 10.0.0.9", "198.51.100.1", true},
		{"10.0.0.2:4000", "10.0.0.8, 10.0.0.9", "10.0.0.8", true},
		{"[::1]:4000", "[2001:db8::1]:555", "2001:db8::1", true},
		{"[::ffff:203.0.113.5]:4000", "", "203.0.113.5", true},
		{"10.0.0.2:4000", "198.51.100.1, bogus", "", false},
		{"not-an-address", "", "", false},
	}
	for _, c := range cases {
		r := &http.Request{RemoteAddr: c.remote, Header: http.Header{}}
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		got, ok := clientIP(r, trusted)
		if ok != c.ok || (ok && got.String() != c.want) {
			t.Errorf("clientIP(%s, %q) = %v %v, want %s %v", c.remote, c.xff, got, ok, c.want, c.ok)
		}
	}
}

func TestJSONDepth(t *testing.T) {
	for body, want := range map[string]int{
		`{}`:                     1,
		`{"a":[1,{"b":[]}]}`:     4,
		`{"a":"[[[{{{"}`:         1,
		`{"a":"\"[[", "b":[[]]}`: 3,
		`{"a":"\\", "b":[]}`:     2,
	} {
		if got := jsonDepth([]byte(body)); got != want {
			t.Errorf("jsonDepth(%s) = %d, want %d", body, got, want)
		}
	}
}
