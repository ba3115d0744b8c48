package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
)

type loginData struct {
	Username string
	Next     string
	Error    string
}

func (a *Admin) showLogin(c echo.Context) error {
	if s, err := a.loadSession(c); err == nil && s != nil {
		return c.Redirect(http.StatusSeeOther, "/admin/")
	}
	return a.render(c, http.StatusOK, "login.html", "Sign in", loginData{Next: safeNext(c.QueryParam("next"))})
}

func (a *Admin) signIn(c echo.Context) error {
	r := c.Request()
	if !sameOrigin(r) {
		return errStatus(http.StatusForbidden, "Sign-in must come from this site's own form.")
	}
	ctx := r.Context()
	username := strings.TrimSpace(c.FormValue("username"))
	password := c.FormValue("password")
	data := loginData{Username: username, Next: safeNext(c.FormValue("next"))}
	if len(username) > 64 {
		username = username[:64]
	}
	addr := a.clientAddr(r)

	var users []struct {
		ID           int64
		PasswordHash string
	}
	if err := a.store.Read.WithContext(ctx).Raw("SELECT id, password_hash FROM admin_users WHERE username = ?",
		username).Scan(&users).Error; err != nil {
		return errInternal("sign in", err)
	}
	hash := a.dummyHash
	if len(users) == 1 {
		hash = []byte(users[0].PasswordHash)
	}
	known := len(users) == 1 && knownDevice(r, username, users[0].PasswordHash)
	wait, err := a.throttled(ctx, addr, username, known)
	if err != nil {
		return errInternal("sign in", err)
	}
	if wait > 0 {
		minutes := int(math.Ceil(wait.Minutes()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		data.Error = fmt.Sprintf("Too many failed sign-ins. Try again in %d minute(s).", minutes)
		return a.render(c, http.StatusTooManyRequests, "login.html", "Sign in", data)
	}

	// A wrong user name costs the same bcrypt work as a wrong password.
	ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && len(users) == 1
	if !ok {
		if err := a.recordFailure(ctx, addr, username, known); err != nil {
			return errInternal("sign in", err)
		}
		a.audit(c, username, "sign-in failed", "", "")
		data.Error = "Wrong user name or password."
		return a.render(c, http.StatusUnauthorized, "login.html", "Sign in", data)
	}
	if err := a.clearFailures(ctx, addr, username); err != nil {
		a.log.Warn().Err(err).Msg("clear sign-in failures")
	}
	if err := a.startSession(c, users[0].ID); err != nil {
		return errInternal("sign in", err)
	}
	a.rememberDevice(c, username, users[0].PasswordHash)
	a.audit(c, username, "sign-in", "", "")
	return c.Redirect(http.StatusSeeOther, data.Next)
}

func (a *Admin) signOut(c echo.Context) error {
	s := currentSession(c)
	if err := a.endSession(c, s); err != nil {
		return err
	}
	a.audit(c, s.Username, "sign-out", "", "")
	return c.Redirect(http.StatusSeeOther, "/admin/login")
}
