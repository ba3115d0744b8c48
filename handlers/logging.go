package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
)

// Logger returns the request's logger (carrying its request_id), or a
// disabled logger outside a request.
func Logger(ctx context.Context) zerolog.Logger {
	return *zerolog.Ctx(ctx)
}

// RequestLogger gives every request an id (a sane incoming X-Request-Id, else
// a random one), echoes it in the response's X-Request-Id, puts a logger
// carrying it in the request context, and logs one line per request.
//
// The line holds the method, route template, path, status, duration and
// size — never headers, the body or the query string, where tokens travel.
func RequestLogger(base zerolog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			req := c.Request()
			id := req.Header.Get(echo.HeaderXRequestID)
			if !saneRequestID(id) {
				id = newRequestID()
			}
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			log := base.With().Str("request_id", id).Logger()
			c.SetRequest(req.WithContext(log.WithContext(req.Context())))

			if err := next(c); err != nil {
				c.Error(err)
			}

			res := c.Response()
			ev := log.Info()
			switch {
			case res.Status >= 500:
				ev = log.Error()
			case res.Status >= 400:
				ev = log.Warn()
			}
			ev.Str("method", req.Method).
				Str("route", c.Path()).
				Str("path", loggablePath(req.URL.Path)).
				Int("status", res.Status).
				Dur("duration", time.Since(start)).
				Int64("bytes_in", req.ContentLength).
				Int64("bytes_out", res.Size).
				Msg("request")
			return nil
		}
	}
}

// loggablePath is the request's path, unless it holds characters that a
// typed email, phone or name brings ("/admin/fans/ada@example.com",
// "+44…", a space): a fan's personal data never reaches a log.
func loggablePath(path string) string {
	for _, r := range path {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '/', r == '.', r == '_', r == '-':
		default:
			return "(withheld)"
		}
	}
	return path
}

// saneRequestID accepts an incoming id only if it is short and plain, so a
// caller cannot inject into logs or headers.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == ':':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
