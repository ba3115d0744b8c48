package handlers

import "net/http"

// FIXR sends a fixed bearer token configured with the webhook; no signature.
var fixrAuth = providerAuth{
	envVar:  "FANHOOK_FIXR_TOKEN",
	secrets: func(s *Secrets) []string { return s.FIXR },
	authenticate: func(r *http.Request, _ []byte, s *Secrets) (string, error) {
		token, ok := bearerToken(r)
		if !ok {
			return "", errUnauthenticated("missing Authorization: Bearer token")
		}
		if !matchSecret(token, s.FIXR) {
			return "", errUnauthenticated("invalid token")
		}
		return "", nil
	},
}
