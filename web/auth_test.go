package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

var adminPages = []string{"/admin/", "/admin/fans", "/admin/fans?q=a", "/admin/fans.csv", "/admin/fans/1",
	"/admin/fans/1/export", "/admin/fans/1/erase", "/admin/events", "/admin/events/1", "/admin/deliveries",
	"/admin/deliveries/1", "/admin/audit"}

func TestNoPageWithoutSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		c := h.client()
		for _, p := range adminPages {
			res := h.get(c, p)
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
				t.Errorf("GET %s without a session: %d %s, want a redirect to /admin/login", p, res.StatusCode, res.Header.Get("Location"))
			}
		}
		for _, p := range []string{"/admin/logout", "/admin/fans/1/erase", "/admin/deliveries/1/replay", "/admin/deliveries/replay-failed"} {
			res := h.postForm(c, p, url.Values{"csrf": {"x"}})
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
				t.Errorf("POST %s without a session: %d, want a redirect to /admin/login", p, res.StatusCode)
			}
		}
		if body := h.page(c, "/admin/login"); !strings.Contains(body, `name="username"`) || !strings.Contains(body, `name="password"`) {
			t.Error("the sign-in page has no username and password fields")
		}
	})
}

func TestCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		c := h.client()
		h.signIn(c)
		token := h.csrf(c)
		wrong := strings.Map(func(r rune) rune {
			if r == 'a' {
				return 'b'
			}
			return 'a'
		}, token)
		for _, p := range []string{"/admin/logout", "/admin/fans/1/erase", "/admin/deliveries/1/replay", "/admin/deliveries/replay-failed"} {
			for _, form := range []url.Values{{}, {"csrf": {""}}, {"csrf": {wrong}}} {
				res := h.postForm(c, p, form)
				res.Body.Close()
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("POST %s with csrf %q: %d, want 403", p, form.Get("csrf"), res.StatusCode)
				}
			}
			// The right token in the URL is no token: URLs end up in
			// history, proxy logs and Referer headers.
			res := h.postForm(c, p+"?csrf="+token, url.Values{})
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s?csrf=<token>: %d, want 403", p, res.StatusCode)
			}
		}
		// The header works as well as the form field.
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/admin/deliveries/replay-failed", nil)
		req.Header.Set("X-CSRF-Token", token)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("POST with X-CSRF-Token: %d, want 303", res.StatusCode)
		}
		// A cross-site sign-in form post is refused (login CSRF).
		req, _ = http.NewRequest(http.MethodPost, h.srv.URL+"/admin/login",
			strings.NewReader(url.Values{"username": {"admin"}, "password": {testPassword}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		res, err = h.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site sign-in: %d, want 403", res.StatusCode)
		}
	})
}

func checkSecurityHeaders(t *testing.T, path string, h http.Header, wantHSTS bool) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if csp == "" || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") ||
		!strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: Content-Security-Policy %q", path, csp)
	}
	for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
		"Cache-Control": "no-store"} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", path, name, got, want)
		}
	}
	if got := h.Get("Strict-Transport-Security") != ""; got != wantHSTS {
		t.Errorf("%s: HSTS present = %v, want %v", path, got, wantHSTS)
	}
}

func TestSecurityHeaders(t *testing.T) {
	store := storetest.Open(t, models.DialectSQLite)
	h := newHarness(t, store)
	c := h.client()
	checkSecurityHeaders(t, "/admin/login", h.get(c, "/admin/login").Header, false)
	h.signIn(c)
	for _, p := range adminPages {
		res := h.get(c, p)
		res.Body.Close()
		checkSecurityHeaders(t, p, res.Header, false)
	}

	// Over TLS: HSTS, and the session cookie is Secure, HttpOnly, SameSite.
	tlsSrv := httptest.NewTLSServer(h.echo)
	defer tlsSrv.Close()
	tc := tlsSrv.Client()
	tc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := tc.PostForm(tlsSrv.URL+"/admin/login", url.Values{"username": {"admin"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	checkSecurityHeaders(t, "TLS /admin/login", res.Header, true)
	ck := sessionCookieOf(t, res)
	if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Errorf("TLS session cookie: Secure=%v HttpOnly=%v SameSite=%v", ck.Secure, ck.HttpOnly, ck.SameSite)
	}

	// Behind a proxy: X-Forwarded-Proto is believed from a trusted proxy only.
	a, err := New(store, Options{Log: zerolog.Nop(), TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		peer string
		want bool
	}{{"10.1.2.3:5000", true}, {"192.0.2.7:5000", false}} {
		req := httptest.NewRequest(http.MethodGet, "/admin/login", nil)
		req.RemoteAddr = tc.peer
		req.Header.Set("X-Forwarded-Proto", "https")
		rec := httptest.NewRecorder()
		newEcho(a).ServeHTTP(rec, req)
		checkSecurityHeaders(t, "proxied from "+tc.peer, rec.Header(), tc.want)
	}
	// Plain HTTP: the cookie is not Secure but still HttpOnly and SameSite.
	res = h.postForm(h.client(), "/admin/login", url.Values{"username": {"admin"}, "password": {testPassword}})
	res.Body.Close()
	if ck := sessionCookieOf(t, res); ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Errorf("plain session cookie: Secure=%v HttpOnly=%v SameSite=%v", ck.Secure, ck.HttpOnly, ck.SameSite)
	}
}

func sessionCookieOf(t *testing.T, res *http.Response) *http.Cookie {
	t.Helper()
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie {
			return ck
		}
	}
	t.Fatalf("no session cookie (status %d)", res.StatusCode)
	return nil
}

func TestSignInThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		c := h.client()
		got429 := false
		for i := 0; i < 30; i++ {
			res := h.postForm(c, "/admin/login", url.Values{"username": {"admin"}, "password": {"wrong password " + string(rune('a'+i))}})
			res.Body.Close()
			switch res.StatusCode {
			case http.StatusUnauthorized:
				if got429 {
					t.Fatalf("attempt %d: 401 after a 429", i+1)
				}
			case http.StatusTooManyRequests:
				got429 = true
				if res.Header.Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
			default:
				t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
			}
		}
		if !got429 {
			t.Fatal("30 wrong passwords never brought a 429")
		}
		// Even the right password waits while throttled...
		res := h.postForm(c, "/admin/login", url.Values{"username": {"admin"}, "password": {testPassword}})
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("right password while throttled: %d, want 429", res.StatusCode)
		}
		// ...but never for good.
		h.advance(throttleWindow + time.Minute)
		h.signIn(c)
	})
}

// Guesses at a user's password from many addresses hold back that user's
// sign-ins, but not from a browser that signed in as the user before (its
// device cookie), and a new password lets anyone with it in at once.
func TestSignInThrottleSparesKnownDevices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		usual := h.client()
		h.signIn(usual)
		guesses := func() {
			for range maxFailuresPerUser {
				mustExec(t, store, "INSERT INTO login_failures (key, failed_at) VALUES ('user:admin', ?)", h.now())
			}
		}
		guesses()
		signIn := func(c *http.Client, password string) int {
			res := h.postForm(c, "/admin/login", url.Values{"username": {"admin"}, "password": {password}})
			res.Body.Close()
			return res.StatusCode
		}
		if code := signIn(h.client(), testPassword); code != http.StatusTooManyRequests {
			t.Fatalf("a new browser with the right password under guessing: %d, want 429", code)
		}
		if code := signIn(usual, testPassword); code != http.StatusSeeOther {
			t.Fatalf("the admin's usual browser under guessing: %d, want signed in", code)
		}
		if code := signIn(usual, "wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("the usual browser with a wrong password: %d, want 401", code)
		}

		// Guessing from the admin's own address (one office NAT) holds back
		// that address, but not the admin's usual browser there.
		h.advance(throttleWindow + time.Minute) // the user's guesses age out
		for i := range maxFailuresPerAddr {
			if code := signIn(h.client(), "guess"); code != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d, want 401", i+1, code)
			}
		}
		if code := signIn(h.client(), testPassword); code != http.StatusTooManyRequests {
			t.Fatalf("a new browser at the guessed-from address: %d, want 429", code)
		}
		if code := signIn(usual, testPassword); code != http.StatusSeeOther {
			t.Fatalf("the usual browser at the guessed-from address: %d, want signed in", code)
		}
		// The device has a limit of its own: its cookie is no licence to guess.
		for range maxFailuresPerAddr {
			signIn(usual, "wrong password")
		}
		if code := signIn(usual, testPassword); code != http.StatusTooManyRequests {
			t.Fatalf("the usual browser after %d wrong passwords: %d, want 429", maxFailuresPerAddr, code)
		}
		h.advance(throttleWindow + time.Minute)

		// Setting the same password again still lets the user in at once.
		guesses()
		if err := SetPassword(context.Background(), store, "admin", testPassword); err != nil {
			t.Fatal(err)
		}
		if code := signIn(h.client(), testPassword); code != http.StatusSeeOther {
			t.Fatalf("a new browser after set-password with the same password: %d, want signed in", code)
		}

		const newPassword = "a brand new password"
		if err := SetPassword(context.Background(), store, "admin", newPassword); err != nil {
			t.Fatal(err)
		}
		if code := signIn(h.client(), newPassword); code != http.StatusSeeOther {
			t.Fatalf("a new browser after set-password: %d, want signed in", code)
		}
		guesses()
		if code := signIn(usual, newPassword); code != http.StatusTooManyRequests {
			t.Fatalf("a device cookie from before the new password: %d, want 429 (revoked)", code)
		}
	})
}

func TestSessionEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		c := h.client()
		u, _ := url.Parse(h.srv.URL + "/admin/")

		// A new id at every sign-in: an id held before is worthless after.
		h.signIn(c)
		first := c.Jar.Cookies(u)
		h.signIn(c)
		if c.Jar.Cookies(u)[0].Value == first[0].Value {
			t.Error("signing in again kept the session id")
		}
		if res := getWithCookies(t, h, "/admin/", first); res.StatusCode != http.StatusSeeOther {
			t.Errorf("the session id from before sign-in still works: %d", res.StatusCode)
		}

		// Logout ends the session on the server: the old cookie is refused.
		old := c.Jar.Cookies(u)
		res := h.postForm(c, "/admin/logout", url.Values{"csrf": {h.csrf(c)}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if res := getWithCookies(t, h, "/admin/", old); res.StatusCode != http.StatusSeeOther ||
			!strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("old session cookie after logout: %d, want a redirect to sign-in", res.StatusCode)
		}

		// Idle and absolute timeouts.
		h.signIn(c)
		h.advance(20 * time.Minute)
		h.page(c, "/admin/")
		h.advance(20 * time.Minute) // 40 minutes in, 20 since last use
		h.page(c, "/admin/")
		h.advance(31 * time.Minute)
		if res := h.get(c, "/admin/"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("after 31 idle minutes: %d, want a redirect", res.StatusCode)
		}
		h.signIn(c)
		for i := 0; i < 25; i++ {
			h.advance(29 * time.Minute)
			if res := h.get(c, "/admin/"); res.StatusCode != http.StatusOK {
				if i*29 < 12*60-29 {
					t.Fatalf("session ended after %d minutes of use", (i+1)*29)
				}
				return
			}
		}
		t.Error("a session in use outlived its 12 hours")
	})
}

func getWithCookies(t *testing.T, h *harness, path string, cookies []*http.Cookie) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestEnsureAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		ctx := context.Background()
		pw, err := EnsureAdmin(ctx, store, "")
		if err != nil || len(pw) < 16 {
			t.Fatalf("first start: %q, %v; want a generated password", pw, err)
		}
		if again, err := EnsureAdmin(ctx, store, ""); err != nil || again != "" {
			t.Fatalf("second start: %q, %v; want nothing generated", again, err)
		}
		if _, err := EnsureAdmin(ctx, store, "from the environment"); err != nil {
			t.Fatal(err)
		}
		var hash string
		store.Read.Raw("SELECT password_hash FROM admin_users WHERE username = 'admin'").Scan(&hash)
		if !strings.HasPrefix(hash, "$2") || strings.Contains(hash, "environment") {
			t.Errorf("stored password is not a bcrypt hash: %q", hash)
		}
		if err := SetPassword(ctx, store, "ops", "short"); err == nil {
			t.Error("a 5-character password was accepted")
		}
	})
}

// Replicas starting together on a new database: one of them prints the
// generated password, and it is the one that signs in.
func TestEnsureAdminOnceAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		const replicas = 4
		passwords := make(chan string, replicas)
		var wg gosync.WaitGroup
		for range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pw, err := EnsureAdmin(context.Background(), store, "")
				if err != nil {
					t.Error(err)
				}
				passwords <- pw
			}()
		}
		wg.Wait()
		close(passwords)
		var printed []string
		for pw := range passwords {
			if pw != "" {
				printed = append(printed, pw)
			}
		}
		if len(printed) != 1 {
			t.Fatalf("%d replicas printed a password, want 1", len(printed))
		}
		var hash string
		store.Read.Raw("SELECT password_hash FROM admin_users WHERE username = 'admin'").Scan(&hash)
		if bcrypt.CompareHashAndPassword([]byte(hash), []byte(printed[0])) != nil {
			t.Error("the printed password does not sign in")
		}
	})
}
