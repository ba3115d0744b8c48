package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// checkCSRF refuses, with 403, any state-changing request that does not
// carry the session's CSRF token (form field csrf or header X-CSRF-Token).
func (a *Admin) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		s := currentSession(c)
		token := c.Request().Header.Get("X-CSRF-Token")
		if token == "" {
			// The body's field only: a token in the URL would end up in
			// history, proxy logs and Referer headers.
			token = c.Request().PostFormValue("csrf")
		}
		if s == nil || token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) != 1 {
			return errStatus(http.StatusForbidden, "This form has expired or did not come from this site. Go back, reload the page and try again.")
		}
		return next(c)
	}
}

// sameOrigin refuses a cross-site form post to the sign-in form (login CSRF:
// signing a victim into the attacker's account). Browsers send Origin or
// Sec-Fetch-Site with every form post; scripts such as curl send neither
// and are allowed.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return origin == ""
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}
