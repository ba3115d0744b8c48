package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fanhook/fanhook/sync"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds every page's template, each the layout plus that page.
type pages struct {
	byName map[string]*template.Template
}

func parsePages(static *staticFiles) (*pages, error) {
	funcs := template.FuncMap{
		"static":        static.url,
		"time":          formatTime,
		"date":          func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"money":         formatMoney,
		"deref":         deref,
		"inc":           func(i int) int { return i + 1 },
		"name":          displayName,
		"consentSource": consentSource,
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range names {
		base := strings.TrimPrefix(name, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", base, err)
		}
		p.byName[base] = t
	}
	return p, nil
}

// view is what every page template gets.
type view struct {
	Title string
	Nav   string // the nav entry to highlight
	User  string // signed-in admin, "" on the sign-in page
	CSRF  string
	Flash string
	Data  any
}

// render executes the page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (a *Admin) render(c echo.Context, status int, page, title string, data any) error {
	t, ok := a.pages.byName[page]
	if !ok {
		return fmt.Errorf("no template %s", page)
	}
	v := view{Title: title, Nav: strings.TrimSuffix(page, ".html"), Data: data}
	if s := currentSession(c); s != nil {
		v.User, v.CSRF, v.Flash = s.Username, s.CSRF, flashOf(c, s)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		a.log.Error().Err(err).Str("page", page).Msg("render admin page")
		return c.String(http.StatusInternalServerError, "render failed")
	}
	return c.HTMLBlob(status, buf.Bytes())
}

func formatTime(v any) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	case *time.Time:
		if t == nil {
			return ""
		}
		return formatTime(*t)
	}
	return ""
}

// formatMoney prints integer minor units in their currency's exponent;
// with no currency the amount is unknown (Tikkl orders come without
// prices), not zero.
func formatMoney(minor int64, currency string) string {
	if currency == "" {
		return "—"
	}
	exp := sync.CurrencyExponent(currency)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if exp > 0 {
		for len(s) <= exp {
			s = "0" + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return strings.TrimSpace(s + " " + currency)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// displayName is how a fan is titled: the current first and last name,
// else the full name a provider sent (Tikkl sends only that).
func displayName(first, last, full *string) string {
	if n := strings.TrimSpace(deref(first) + " " + deref(last)); n != "" {
		return n
	}
	return deref(full)
}
