package handlers_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

func basicAuth(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// The test client connects from 127.0.0.1.
func TestVibesAllowedIPs(t *testing.T) {
	t.Parallel()
	prefixes := func(ss ...string) []netip.Prefix {
		var ps []netip.Prefix
		for _, s := range ss {
			ps = append(ps, netip.MustParsePrefix(s))
		}
		return ps
	}
	cases := []struct {
		name           string
		allowed, proxy []netip.Prefix
		xff            string
		want           int
	}{
		{"peer allowed", prefixes("127.0.0.0/8"), nil, "", http.StatusOK},
		{"peer denied", prefixes("198.51.100.0/24"), nil, "", http.StatusUnauthorized},
		{"forwarded by untrusted peer is ignored", prefixes("198.51.100.0/24"), nil, "198.51.100.7", http.StatusUnauthorized},
		{"forwarded by trusted proxy", prefixes("198.51.100.0/24"), prefixes("127.0.0.1/32"), "198.51.100.7", http.StatusOK},
		{"proxy chain", prefixes("198.51.100.0/24"), prefixes("127.0.0.1/32", "10.0.0.0/8"), "198.51.100.7, 10.1.1.1", http.StatusOK},
		{"spoofed left entry", prefixes("198.51.100.0/24"), prefixes("127.0.0.1/32"), "198.51.100.7, 203.0.113.9", http.StatusUnauthorized},
		{"trusted proxy, client denied", prefixes("198.51.100.0/24"), prefixes("127.0.0.1/32"), "203.0.113.9", http.StatusUnauthorized},
		{"garbage hop", prefixes("198.51.100.0/24"), prefixes("127.0.0.1/32"), "198.51.100.7, nonsense", http.StatusUnauthorized},
	}
	store := storetest.Open(t, models.DialectSQLite)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			secrets := testSecrets()
			secrets.VibesAllowedIPs, secrets.TrustedProxies = c.allowed, c.proxy
			s := newTestServer(t, store, secrets)
			headers := map[string]string{}
			if c.xff != "" {
				headers["X-Forwarded-For"] = c.xff
			}
			body := []byte(fmt.Sprintf(`{"event_id":"ip-%d"}`, i))
			r := s.post(t, "/webhooks/vibes?token=vibes-old-token", body, headers)
			wantStatus(t, r, c.want)
		})
	}
}
