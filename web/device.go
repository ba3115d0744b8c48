package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// A user's failed sign-ins, from anywhere, hold back that user's sign-ins
// (maxFailuresPerUser), so that guessing from many addresses gets nowhere.
// But whoever keeps guessing then keeps the real admin out as long as they
// like, and whoever guesses from the admin's own address (an office behind
// one NAT) holds back that address. So a browser that has signed in as a
// user before carries a device cookie, and neither limit applies to it: it
// has a limit of its own, which guessing without the cookie cannot reach.
// This is OWASP's "device cookie" defence against lockout.
//
// The cookie is an HMAC of the user name keyed with the user's password
// hash, which never leaves the server: only a browser that signed in has
// it, and a new password (fanhook admin set-password) revokes every one.

const (
	deviceCookie   = "fanhook_device"
	deviceLifetime = 365 * 24 * time.Hour
)

// deviceToken is the device cookie's value for a user.
func deviceToken(username, passwordHash string) string {
	mac := hmac.New(sha256.New, []byte(passwordHash))
	mac.Write([]byte("fanhook device\x00" + strings.ToLower(username)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// knownDevice tells whether the request carries the device cookie of the
// user with this password hash.
func knownDevice(r *http.Request, username, passwordHash string) bool {
	ck, err := r.Cookie(deviceCookie)
	if err != nil || passwordHash == "" {
		return false
	}
	return hmac.Equal([]byte(ck.Value), []byte(deviceToken(username, passwordHash)))
}

// rememberDevice gives a browser that signed in its device cookie.
func (a *Admin) rememberDevice(c echo.Context, username, passwordHash string) {
	c.SetCookie(&http.Cookie{
		Name:     deviceCookie,
		Value:    deviceToken(username, passwordHash),
		Path:     "/admin/login",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   a.isTLS(c.Request()),
		MaxAge:   int(deviceLifetime.Seconds()),
	})
}
