// Package handlers is fanhook's HTTP surface for machines: the webhook
// endpoints (one authentication file per provider, one ingest path), health,
// readiness and metrics, and the request logging and metrics middleware.
package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// Error is a failure with the HTTP status and the message a client may see.
// Err, the cause, goes to the log only: it may name tables, addresses or
// internals a caller has no business learning.
type Error struct {
	Status  int
	Message string
	Err     error
	// RetryAfter, when positive, is sent as the Retry-After header (seconds).
	RetryAfter int
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// newError builds an *Error; cause may be nil.
func newError(status int, message string, cause error) *Error {
	return &Error{Status: status, Message: message, Err: cause}
}

// renderError is the one mapper from an error to a JSON response
// {"error":"…"}. Anything that is not an *Error (or echo's own HTTPError) is
// a bug or an unexpected failure: the client gets a bare 500.
func renderError(c echo.Context, err error) error {
	var e *Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &he):
		e = &Error{Status: he.Code, Message: http.StatusText(he.Code), Err: err}
	default:
		e = &Error{Status: http.StatusInternalServerError, Message: "internal error", Err: err}
	}
	log := Logger(c.Request().Context())
	ev := log.Info()
	if e.Status >= 500 {
		ev = log.Error()
	}
	ev.Err(e.Err).Int("status", e.Status).Str("reason", e.Message).Msg("request refused")
	if c.Response().Committed {
		return nil
	}
	if e.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	return c.JSON(e.Status, map[string]string{"error": e.Message})
}
