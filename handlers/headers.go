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

// secretHeaderWords mark a provider's header as a credential by its name
// (X-Tikkl-Signature, X-Vibes-Token, …): its value is masked.
var secretHeaderWords = []string{"token", "secret", "signature", "key", "auth", "password", "credential"}

// storedHeaders is the JSON object of kept headers, secrets masked: the
// Authorization scheme stays ("Bearer ***"); a header named like a
// credential, or holding any configured secret, becomes "***". A provider
// set up to send its token in a header of its own must not leave it in
// the delivery log.
func storedHeaders(h http.Header, secrets *Secrets) string {
	out := map[string]string{}
	keep := func(name string, values []string) {
		v := strings.Join(values, ", ")
		switch {
		case name == "Authorization":
			if scheme, _, ok := strings.Cut(v, " "); ok {
				v = scheme + " ***"
			} else {
				v = "***"
			}
		case namedLikeSecret(name) || secrets.appearIn(v):
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
		if hasProviderPrefix(name) {
			keep(name, values)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// namedLikeSecret tells whether a provider's own header is named like a
// credential. The fixed keptHeaders are not (Authorization is masked by
// its scheme), so they skip the lower-casing: it ran for every header of
// every webhook: 5 of storedHeaders' 23 allocations for six headers.
func namedLikeSecret(name string) bool {
	if !hasProviderPrefix(name) {
		return false
	}
	lower := strings.ToLower(name)
	for _, w := range secretHeaderWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// appearIn tells whether any configured secret appears in v.
func (s *Secrets) appearIn(v string) bool {
	for _, list := range [][]string{s.FIXR, s.Tikkl, s.TradableBits, s.Vibes} {
		for _, secret := range list {
			if secret != "" && strings.Contains(v, secret) {
				return true
			}
		}
	}
	return false
}

func hasProviderPrefix(name string) bool {
	for _, p := range keptHeaderPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
