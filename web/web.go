// Package web is fanhook's admin page: sign-in, the dashboard, fan search and
// timelines, export and erasure, events, the delivery log with replay, and
// the audit log. Pages are rendered on the server from embedded templates
// parsed once; they work without JavaScript.
package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/sync"
)

// Options tune the admin page; zero values are sensible.
type Options struct {
	Log zerolog.Logger
	// Worker replays deliveries; without it the replay buttons answer 503.
	Worker *sync.Worker
	// TrustedProxies are believed about X-Forwarded-For and X-Forwarded-Proto.
	TrustedProxies []netip.Prefix
	Now            func() time.Time
	// IdleTimeout ends a session unused this long (default 30 minutes);
	// SessionLifetime ends any session this long after sign-in (default 12 hours).
	IdleTimeout     time.Duration
	SessionLifetime time.Duration
}

// Admin serves the admin page.
type Admin struct {
	store  *models.Store
	opts   Options
	log    zerolog.Logger
	pages  *pages
	static *staticFiles
	// dummyHash is compared against when the user name is unknown, so a
	// wrong name takes as long as a wrong password.
	dummyHash []byte
}

// New parses the templates and hashes the static files, once.
func New(store *models.Store, opts Options) (*Admin, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 30 * time.Minute
	}
	if opts.SessionLifetime <= 0 {
		opts.SessionLifetime = 12 * time.Hour
	}
	static, err := loadStatic()
	if err != nil {
		return nil, err
	}
	p, err := parsePages(static)
	if err != nil {
		return nil, err
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(randomHex(16)), bcryptCost)
	if err != nil {
		return nil, err
	}
	return &Admin{store: store, opts: opts, log: opts.Log, pages: p, static: static, dummyHash: dummy}, nil
}

// Register mounts the admin page under /admin on e.
func (a *Admin) Register(e *echo.Echo) {
	g := e.Group("/admin", a.securityHeaders, a.renderErrors)
	g.GET("/static/:file", a.serveStatic)
	g.GET("/login", a.showLogin)
	g.POST("/login", a.signIn)
	e.GET("/admin", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/admin/") })

	s := g.Group("", a.requireSession, a.checkCSRF)
	s.POST("/logout", a.signOut)
	s.GET("/", a.showDashboard)
	s.GET("/fans", a.showFans)
	s.GET("/fans.csv", a.exportFansCSV)
	s.GET("/fans/:id", a.showFan)
	s.GET("/fans/:id/export", a.exportFan)
	s.GET("/fans/:id/erase", a.confirmErase)
	s.POST("/fans/:id/erase", a.eraseFan)
	s.GET("/events", a.showEvents)
	s.GET("/events/:id", a.showEvent)
	s.GET("/deliveries", a.showDeliveries)
	s.POST("/deliveries/replay-failed", a.replayFailed)
	s.GET("/deliveries/:id", a.showDelivery)
	s.POST("/deliveries/:id/replay", a.replayDelivery)
	s.GET("/audit", a.showAudit)
}

func (a *Admin) now() time.Time { return a.opts.Now().UTC() }

// httpError is an error with the status and the message a user may see; the
// cause goes to the log only.
type httpError struct {
	status  int
	message string
	cause   error
}

func (e *httpError) Error() string {
	if e.cause != nil {
		return e.message + ": " + e.cause.Error()
	}
	return e.message
}

func (e *httpError) Unwrap() error { return e.cause }

func errStatus(status int, message string) error { return &httpError{status: status, message: message} }

// errInternal hides cause from the user behind a generic message.
func errInternal(what string, cause error) error {
	return &httpError{status: http.StatusInternalServerError, message: "Something went wrong", cause: fmt.Errorf("%s: %w", what, cause)}
}

// fail renders err as an error page with its status.
func (a *Admin) fail(c echo.Context, err error) error {
	var he *httpError
	var ee *echo.HTTPError
	switch {
	case errors.As(err, &he):
	case errors.As(err, &ee):
		he = &httpError{status: ee.Code, message: http.StatusText(ee.Code)}
	default:
		he = &httpError{status: http.StatusInternalServerError, message: "Something went wrong", cause: err}
	}
	if errors.Is(err, context.Canceled) {
		he.status = 499
	}
	if he.status >= 500 {
		a.log.Error().Err(he.cause).Str("path", c.Request().URL.Path).Msg("admin page failed")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return a.render(c, he.status, "error.html", "Error", map[string]any{"Status": he.status, "Message": he.message})
}

// renderErrors turns an error a page returns into an error page.
func (a *Admin) renderErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		return a.fail(c, err)
	}
}
