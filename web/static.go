package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed static
var staticFS embed.FS

// staticFiles serves the CSS and script under content-hashed names, so they
// can be cached for good and a new release is fetched at once.
type staticFiles struct {
	hashed map[string]string // admin.css -> admin.1a2b3c4d5e.css
	files  map[string][]byte // hashed name -> content
}

func loadStatic() (*staticFiles, error) {
	s := &staticFiles{hashed: map[string]string{}, files: map[string][]byte{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("static files: %w", err)
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(e.Name())
		h := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:5]) + ext
		s.hashed[e.Name()] = h
		s.files[h] = b
	}
	return s, nil
}

func (s *staticFiles) url(name string) string {
	return "/admin/static/" + s.hashed[name]
}

func (a *Admin) serveStatic(c echo.Context) error {
	b, ok := a.static.files[c.Param("file")]
	if !ok {
		return errStatus(http.StatusNotFound, "Not found")
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, mime.TypeByExtension(path.Ext(c.Param("file"))), b)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
