package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// A flash is the one-line message a page shows after a POST redirected to
// it ("Fan #3 erased."). It travels in the URL, so a link from anyone could
// put any text in the admin's green banner ("Your session expired: call
// …"). So the message carries a tag, an HMAC keyed with the session's CSRF
// token: only fanhook, answering that admin's own POST, can make one, and
// an untagged or foreign message is not shown.

const maxFlash = 200

func flashTag(csrf, flash string) string {
	mac := hmac.New(sha256.New, []byte(csrf))
	mac.Write([]byte("fanhook flash\x00" + flash))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// redirectFlash sends the browser to path with a one-line message.
func redirectFlash(c echo.Context, path, flash string) error {
	if len(flash) > maxFlash {
		flash = flash[:maxFlash]
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	tag := ""
	if s := currentSession(c); s != nil {
		tag = flashTag(s.CSRF, flash)
	}
	return c.Redirect(http.StatusSeeOther, path+sep+"flash="+urlQueryEscape(flash)+"&ft="+tag)
}

// flashOf is the request's flash message if fanhook made it for this
// session, else "".
func flashOf(c echo.Context, s *session) string {
	flash, tag := c.QueryParam("flash"), c.QueryParam("ft")
	if s == nil || flash == "" || !hmac.Equal([]byte(tag), []byte(flashTag(s.CSRF, flash))) {
		return ""
	}
	return flash
}
