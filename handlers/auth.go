package handlers

import (
	"net/http"
	"strings"

	"github.com/fanhook/fanhook/models"
)

// providerAuth is how one provider's deliveries are authenticated. Each
// provider's value lives in its own auth_<provider>.go.
type providerAuth struct {
	// envVar is the variable that configures the secrets, named in the 404
	// a disabled provider answers.
	envVar  string
	secrets func(*Secrets) []string
	// authenticate checks r (and, for signatures, the raw body) against the
	// configured secrets. form says how it matched, for metrics ("" if the
	// provider has one form only). A failure is an *Error, 401.
	authenticate func(r *http.Request, body []byte, s *Secrets) (form string, err error)
}

var providerAuths = map[string]providerAuth{
	models.ProviderFIXR:         fixrAuth,
	models.ProviderTikkl:        tikklAuth,
	models.ProviderTradableBits: tradableBitsAuth,
	models.ProviderVibes:        vibesAuth,
}

// lookupProvider returns the provider's authentication, or a 404 when the
// provider is unknown or has no secret configured.
func lookupProvider(name string, s *Secrets) (providerAuth, error) {
	p, ok := providerAuths[name]
	if !ok {
		return p, newError(http.StatusNotFound,
			"unknown provider: expected one of "+strings.Join(models.Providers, ", "), nil)
	}
	if len(p.secrets(s)) == 0 {
		return p, newError(http.StatusNotFound,
			"provider "+name+" is not configured: set "+p.envVar, nil)
	}
	return p, nil
}

// errUnauthenticated is the 401 every failed check returns; the message says
// what was missing or wrong without saying anything about the secret.
func errUnauthenticated(message string) error {
	return newError(http.StatusUnauthorized, message, nil)
}

// bearerToken returns the token of an `Authorization: Bearer …` header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// queryToken returns the `token` query parameter.
func queryToken(r *http.Request) (string, bool) {
	token := r.URL.Query().Get("token")
	return token, token != ""
}
