package handlers

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"
)

// Recover turns a panic in a handler into a 500 and logs it with its stack,
// so one bad request cannot take the process down. (echo's middleware
// package is not used: it drags in golang.org/x/time.)
func Recover() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				r := recover()
				if r == nil {
					return
				}
				if r == http.ErrAbortHandler {
					panic(r)
				}
				log := Logger(c.Request().Context())
				log.Error().Str("panic", fmt.Sprint(r)).Bytes("stack", debug.Stack()).Msg("handler panicked")
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}()
			return next(c)
		}
	}
}
