package handlers

import "net/http"

// Tradable Bits listeners carry no signature: our own token comes as a
// bearer header or in the URL (?token=), whichever the campaign could set.
var tradableBitsAuth = providerAuth{
	envVar:  "FANHOOK_TRADABLEBITS_TOKEN",
	secrets: func(s *Secrets) []string { return s.TradableBits },
	authenticate: func(r *http.Request, _ []byte, s *Secrets) (string, error) {
		bearer, hasBearer := bearerToken(r)
		query, hasQuery := queryToken(r)
		if !hasBearer && !hasQuery {
			return "", errUnauthenticated("missing token: send Authorization: Bearer or ?token=")
		}
		// Both are checked, so timing does not tell which one was right.
		okBearer := hasBearer && matchSecret(bearer, s.TradableBits)
		okQuery := hasQuery && matchSecret(query, s.TradableBits)
		if !okBearer && !okQuery {
			return "", errUnauthenticated("invalid token")
		}
		return "", nil
	},
}
