package handlers

import "net/http"

// Vibes sends no signature: the token comes in the URL (?token=) or as the
// HTTP Basic password, and Vibes documents a source-IP allowlist, enforced
// when FANHOOK_VIBES_ALLOWED_IPS is set.
var vibesAuth = providerAuth{
	envVar:  "FANHOOK_VIBES_TOKEN",
	secrets: func(s *Secrets) []string { return s.Vibes },
	authenticate: func(r *http.Request, _ []byte, s *Secrets) (string, error) {
		if len(s.VibesAllowedIPs) > 0 {
			ip, ok := clientIP(r, s.TrustedProxies)
			if !ok || !containsAddr(s.VibesAllowedIPs, ip) {
				return "", errUnauthenticated("source address not allowed")
			}
		}
		query, hasQuery := queryToken(r)
		_, password, hasBasic := r.BasicAuth()
		hasBasic = hasBasic && password != ""
		if !hasQuery && !hasBasic {
			return "", errUnauthenticated("missing token: send ?token= or HTTP Basic with the token as password")
		}
		okQuery := hasQuery && matchSecret(query, s.Vibes)
		okBasic := hasBasic && matchSecret(password, s.Vibes)
		if !okQuery && !okBasic {
			return "", errUnauthenticated("invalid token")
		}
		return "", nil
	},
}
