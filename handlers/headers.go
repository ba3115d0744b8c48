package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
)

// keptHeaders are stored with each delivery, for the admin page and for
// debugging a provider's set-up. Cookies and anything unlisted are dropped.
var keptHeaders = []string{
	"Content-Type", "Content-Length", "User-Agent", "X-Request-Id", "X-Forwarded-For",
	"X-Forwarded-Proto", "X-Real-Ip", "Authorization", "X-Tikkl-Signature",
}

// keptHeaderPrefixes keep providers' own headers (e.g. Tradable Bits'
// x-tbits-server-response).
var keptHeaderPrefixes = []string{"X-Tbits-", "X-Fixr-", "X-Tikkl-", "X-Vibes-"}

// storedHeaders is the JSON object of kept headers, secrets masked: the
// Authorization scheme stays ("Bearer ***"), a signature becomes "***".
func storedHeaders(h http.Header) string {
	out := map[string]string{}
	keep := func(name string, values []string) {
		v := strings.Join(values, ", ")
		switch name {
		case "Authorization":
			if scheme, _, ok := strings.Cut(v, " "); ok {
				v = scheme + " ***"
			} else {
				v = "***"
			}
		case "X-Tikkl-Signature":
			v = "***"
		}
		out[name] = v
	}
	for _, name := range keptHeaders {
		if values := h.Values(name); len(values) > 0 {
			keep(name, values)
		}
	}
	for name, values := range h {
		for _, p := range keptHeaderPrefixes {
			if strings.HasPrefix(name, p) {
				keep(name, values)
			}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "{}"
	}
	return string(b)
}
