package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// chromiumPath finds a Chromium to drive; "" when there is none.
func chromiumPath() string {
	if p := os.Getenv("FANHOOK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshotDir is where the browser test leaves its pictures.
func screenshotDir(t *testing.T) string {
	if dir := os.Getenv("FANHOOK_SCREENSHOT_DIR"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// TestBrowser drives Debian's Chromium through the admin page: sign in,
// search a fan, open their timeline, replay a failed delivery, erase the fan.
func TestBrowser(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium binary found (apt-get install -y chromium, or set FANHOOK_CHROMIUM): browser test skipped")
	}
	store := storetest.Open(t, models.DialectSQLite)
	h := newHarness(t, store)
	ingestStory(t, store)
	seedBrowserData(t, store)
	dir := screenshotDir(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	browser, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first run starts the browser and must not carry a timeout.
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(browser, 30*time.Second)
	defer cancel()

	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			buf, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			path := filepath.Join(dir, name+".png")
			t.Logf("screenshot %s", path)
			return os.WriteFile(path, buf, 0o644)
		})
	}
	text := func(sel string, into *string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			s, err := chromedp.Text(sel)(ctx, tg)
			*into = s
			return err
		})
	}
	fan := storetest.LiveFanByEmail(t, store, "sam@example.com")
	var results, flash string
	steps := []struct {
		name string
		acts []chromedp.Action[chromedp.Void]
	}{
		{"sign in", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(h.srv.URL + "/admin/fans"),
			chromedp.WaitVisible(`#username`),
			shot("01-sign-in"),
			chromedp.SendKeys(`#username`, "admin"),
			chromedp.SendKeys(`#password`, testPassword),
			chromedp.Submit(`#password`),
			chromedp.WaitVisible(`form.search`),
			chromedp.Navigate(h.srv.URL + "/admin/"),
			chromedp.WaitVisible(`svg.chart`),
			shot("02-dashboard"),
		}},
		{"search a fan", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(h.srv.URL + "/admin/fans"),
			chromedp.WaitVisible(`#q`),
			chromedp.SendKeys(`#q`, "SAM"),
			chromedp.Submit(`#q`),
			// The results page echoes the query in the box; the page before
			// the submit (which lists fans too) does not.
			chromedp.WaitVisible(`#q[value="SAM"]`),
			chromedp.WaitVisible(`table.fans`),
			text(`table.fans`, &results),
			shot("03-search"),
		}},
		{"open the timeline", []chromedp.Action[chromedp.Void]{
			chromedp.Click(fmt.Sprintf(`table.fans a[href="/admin/fans/%d"]`, fan)),
			chromedp.WaitVisible(`ol.timeline`),
			shot("04-fan-timeline"),
		}},
		{"replay a failed delivery", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(h.srv.URL + "/admin/deliveries?status=failed"),
			chromedp.WaitVisible(`table`),
			shot("05-failed-deliveries"),
			chromedp.Click(`table tbody a`),
			chromedp.WaitVisible(`#replay`),
			shot("06-failed-delivery"),
			chromedp.Click(`#replay`),
			chromedp.WaitVisible(`.flash`),
			text(`.flash`, &flash),
			shot("07-replayed"),
		}},
		{"erase the fan", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(fmt.Sprintf("%s/admin/fans/%d", h.srv.URL, fan)),
			chromedp.Click(`a.button.danger`),
			chromedp.WaitVisible(`#confirm-erase`),
			shot("08-erase-confirm"),
			chromedp.Click(`#confirm-erase`),
			chromedp.WaitVisible(`.notice`),
			shot("09-erased"),
		}},
		{"events", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(h.srv.URL + "/admin/events"),
			chromedp.WaitVisible(`table`),
			shot("10-events"),
			chromedp.Click(`table tbody a`),
			chromedp.WaitVisible(`h1`),
			shot("11-event"),
			chromedp.Navigate(h.srv.URL + "/admin/audit"),
			chromedp.WaitVisible(`table`),
			shot("12-audit"),
		}},
	}
	for _, s := range steps {
		if err := chromedp.Do(ctx, s.acts...); err != nil {
			sctx, cancel := context.WithTimeout(browser, 10*time.Second)
			chromedp.Do(sctx, shot("failed"))
			cancel()
			t.Fatalf("%s: %v", s.name, err)
		}
		switch s.name {
		case "search a fan":
			if !strings.Contains(results, "sam@example.com") {
				t.Errorf("search results lack the fan: %q", results)
			}
		case "replay a failed delivery":
			if !strings.Contains(flash, "processed") {
				t.Errorf("after replay: %q", flash)
			}
		}
	}
	if found := storetest.GrepDatabase(t, store, []string{"sam@example.com"}); len(found) > 0 {
		t.Errorf("after erasure in the browser:\n%s", strings.Join(found, "\n"))
	}
}

// seedBrowserData adds what makes the pages worth looking at: deliveries
// over the last two days for the chart, more fans, and one failed delivery
// that a replay fixes.
func seedBrowserData(t *testing.T, store *models.Store) {
	now := time.Now().UTC()
	for i := 0; i < 160; i++ {
		provider := models.Providers[i%len(models.Providers)]
		at := now.Add(-time.Duration((i*37)%(47*60)) * time.Minute)
		mustExec(t, store, `INSERT INTO deliveries (provider, dedup_key, event_type, body, status, received_at, processed_at)
			VALUES (?, ?, 'chart', NULL, 'ignored', ?, ?)`, provider, fmt.Sprintf("chart-%d", i), at, at)
	}
	for i, n := range [][2]string{{"Ada", "Lovelace"}, {"Grace", "Hopper"}, {"Samira", "Khan"}, {"Sami", "Okafor"}} {
		insertFan(t, store, fmt.Sprintf("%s.%s@example.org", strings.ToLower(n[0]), strings.ToLower(n[1])),
			fmt.Sprintf("+4477009001%02d", i), n[0], n[1])
	}
	body := `{"event":"customer_updated","created":"2025-05-05T10:00:00UTC","message_id":"r-1",
		"payload":{"email":"replay@example.com","first_name":"Re","last_name":"Play","user_uuid":"u-replay"}}`
	mustExec(t, store, `INSERT INTO deliveries (provider, dedup_key, event_type, headers, body, status, error, attempts, received_at)
		VALUES ('fixr', 'r-1', 'customer_updated', '{"Authorization":"Bearer ***","Content-Type":"application/json"}', ?,
		'failed', 'apply: database is locked', 1, ?)`, []byte(body), now.Add(-30*time.Minute))
}
