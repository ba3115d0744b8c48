package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/sync"
)

func init() { bcryptCost = bcrypt.MinCost }

const testPassword = "correct horse battery"

// harness is a real admin page on a real database behind a test server.
type harness struct {
	t      testing.TB
	store  *models.Store
	admin  *Admin
	echo   *echo.Echo
	srv    *httptest.Server
	mu     gosync.Mutex
	offset time.Duration
}

func newHarness(t testing.TB, store *models.Store) *harness {
	t.Helper()
	h := &harness{t: t, store: store}
	if err := SetPassword(context.Background(), store, "admin", testPassword); err != nil {
		t.Fatal(err)
	}
	a, err := New(store, Options{
		Log:    zerolog.Nop(),
		Worker: sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{}),
		Now:    h.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.admin = a
	h.echo = echo.New()
	a.Register(h.echo)
	h.srv = httptest.NewServer(h.echo)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Now().Add(h.offset)
}

// advance moves the admin page's clock forward.
func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.offset += d
	h.mu.Unlock()
}

// client is a browser-like client that does not follow redirects, so tests
// see them.
func (h *harness) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (h *harness) signIn(c *http.Client) {
	h.t.Helper()
	res := h.postForm(c, "/admin/login", url.Values{"username": {"admin"}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("sign in: %d %s", res.StatusCode, readBody(res))
	}
	res.Body.Close()
}

func (h *harness) get(c *http.Client, path string) *http.Response {
	h.t.Helper()
	res, err := c.Get(h.srv.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

func (h *harness) postForm(c *http.Client, path string, form url.Values) *http.Response {
	h.t.Helper()
	res, err := c.PostForm(h.srv.URL+path, form)
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf reads the session's CSRF token from a page.
func (h *harness) csrf(c *http.Client) string {
	h.t.Helper()
	res := h.get(c, "/admin/audit")
	m := csrfField.FindStringSubmatch(readBody(res))
	if m == nil {
		h.t.Fatal("no csrf field on the page")
	}
	return m[1]
}

// page GETs path and wants a 200.
func (h *harness) page(c *http.Client, path string) string {
	h.t.Helper()
	res := h.get(c, path)
	body := readBody(res)
	if res.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	return body
}

func readBody(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return string(b)
}

// ingestStory runs the sync package's mixed story through the real inbox
// and normalizer: one fan, sam@example.com, across four providers.
func ingestStory(t testing.TB, store *models.Store) {
	t.Helper()
	paths, err := filepath.Glob("../sync/testdata/stories/mixed/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("story files: %v", err)
	}
	sort.Strings(paths)
	inbox := sync.NewInbox(store, zerolog.Nop(), sync.InboxOptions{})
	inbox.Start()
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		provider := strings.SplitN(filepath.Base(p), "-", 3)[1]
		if _, _, err := inbox.Accept(context.Background(), &models.Delivery{Provider: provider, Body: body,
			ReceivedAt: time.Now().UTC().Add(-time.Hour)}); err != nil {
			t.Fatalf("accept %s: %v", p, err)
		}
	}
	inbox.Close()
	if _, err := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{}).Drain(context.Background()); err != nil {
		t.Fatalf("drain: %v", err)
	}
}

// insertFan adds a fan row directly, with the search columns filled the way
// the normalizer fills them.
func insertFan(t testing.TB, store *models.Store, email, phone, first, last string) int64 {
	t.Helper()
	now := time.Now().UTC()
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	name, rev := sync.SearchNames(first, last)
	var id int64
	err := store.DB.Raw(`INSERT INTO fans (email, phone, first_name, last_name, search_name, search_name_rev,
		first_seen_at, last_seen_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullable(email), nullable(phone), nullable(first), nullable(last),
		name, rev, now, now, now, now).Scan(&id).Error
	if err != nil {
		t.Fatalf("insert fan: %v", err)
	}
	return id
}

func newEcho(a *Admin) *echo.Echo {
	e := echo.New()
	a.Register(e)
	return e
}
