package main

import (
	"io"
	stdlog "log"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/term"
)

// newLogger writes zerolog lines to w: JSON, or human-readable when the
// configured format is console (coloured only on a terminal).
func newLogger(w io.Writer, cfg *Config) zerolog.Logger {
	out := w
	if cfg.LogFormat == "console" {
		color := false
		if f, ok := w.(*os.File); ok {
			color = term.IsTerminal(int(f.Fd()))
		}
		out = zerolog.ConsoleWriter{Out: w, NoColor: !color, TimeFormat: time.RFC3339}
	}
	return zerolog.New(out).Level(cfg.LogLevel).With().Timestamp().Logger()
}

// newStdLogger routes net/http's own messages (TLS handshakes, panics it
// recovered) into the structured log.
func newStdLogger(log zerolog.Logger) *stdlog.Logger {
	return stdlog.New(stdWriter{log}, "", 0)
}

type stdWriter struct{ log zerolog.Logger }

func (w stdWriter) Write(p []byte) (int, error) {
	w.log.Warn().Str("component", "http").Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}
