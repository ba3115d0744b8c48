package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// sessionCookie carries the session id; the database holds only its hash.
const sessionCookie = "fanhook_session"

// session is a signed-in admin.
type session struct {
	IDHash     string
	UserID     int64
	Username   string
	CSRF       string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

const sessionKey = "fanhook.session"

func currentSession(c echo.Context) *session {
	s, _ := c.Get(sessionKey).(*session)
	return s
}

// randomHex returns n random bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on supported systems
	}
	return hex.EncodeToString(b)
}

func hashSessionID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// startSession creates a session for the user with a fresh 128-bit id and
// sets its cookie. Any session the browser held before is ended, so an id
// planted before sign-in is worthless after it.
func (a *Admin) startSession(c echo.Context, userID int64) error {
	ctx := c.Request().Context()
	now := a.now()
	if old, err := c.Cookie(sessionCookie); err == nil && old.Value != "" {
		a.store.DB.WithContext(ctx).Exec("DELETE FROM admin_sessions WHERE id_hash = ?", hashSessionID(old.Value))
	}
	// Housekeeping: sessions past either timeout are dead anyway.
	a.store.DB.WithContext(ctx).Exec("DELETE FROM admin_sessions WHERE expires_at < ? OR last_seen_at < ?",
		now, now.Add(-a.opts.IdleTimeout))
	id := randomHex(16)
	err := a.store.DB.WithContext(ctx).Exec(`INSERT INTO admin_sessions
		(id_hash, user_id, csrf_token, remote_addr, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, hashSessionID(id), userID, randomHex(32), a.clientAddr(c.Request()),
		now, now, now.Add(a.opts.SessionLifetime)).Error
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	a.setSessionCookie(c, id, a.opts.SessionLifetime)
	return nil
}

func (a *Admin) setSessionCookie(c echo.Context, value string, maxAge time.Duration) {
	ck := &http.Cookie{
		Name:     sessionCookie,
		Value:    value,
		Path:     "/admin",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   a.isTLS(c.Request()),
		MaxAge:   int(maxAge.Seconds()),
	}
	if maxAge < 0 {
		ck.MaxAge = -1
	}
	c.SetCookie(ck)
}

// loadSession finds the live session the request's cookie names.
func (a *Admin) loadSession(c echo.Context) (*session, error) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || len(ck.Value) != 32 {
		return nil, nil
	}
	now := a.now()
	var rows []session
	err = a.store.Read.WithContext(c.Request().Context()).Raw(`SELECT s.id_hash, s.user_id, u.username,
		s.csrf_token AS csrf, s.created_at, s.last_seen_at
		FROM admin_sessions s JOIN admin_users u ON u.id = s.user_id
		WHERE s.id_hash = ? AND s.expires_at > ? AND s.last_seen_at > ?`,
		hashSessionID(ck.Value), now, now.Add(-a.opts.IdleTimeout)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	s := &rows[0]
	// Touch at most once a minute: the idle timeout needs no finer grain and
	// every write queues behind SQLite's single writer.
	if now.Sub(s.LastSeenAt) > time.Minute {
		err := a.store.DB.WithContext(c.Request().Context()).Exec(
			"UPDATE admin_sessions SET last_seen_at = ? WHERE id_hash = ?", now, s.IDHash).Error
		if err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return s, nil
}

// requireSession sends anyone not signed in to the sign-in page.
func (a *Admin) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s, err := a.loadSession(c)
		if err != nil {
			return errInternal("session", err)
		}
		if s == nil {
			target := "/admin/login"
			if r := c.Request(); r.Method == http.MethodGet && r.URL.Path != "/admin/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			return c.Redirect(http.StatusSeeOther, target)
		}
		c.Set(sessionKey, s)
		return next(c)
	}
}

// endSession deletes the session on the server and clears the cookie.
func (a *Admin) endSession(c echo.Context, s *session) error {
	if err := a.store.DB.WithContext(c.Request().Context()).Exec(
		"DELETE FROM admin_sessions WHERE id_hash = ?", s.IDHash).Error; err != nil {
		return errInternal("end session", err)
	}
	a.setSessionCookie(c, "", -1)
	return nil
}

// safeNext keeps a post-sign-in redirect inside the admin page.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "/admin/login") {
		return "/admin/"
	}
	return next
}
