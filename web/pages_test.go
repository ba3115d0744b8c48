package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// samNeedles are every form in which the story's fan appears.
var samNeedles = []string{"sam@example.com", "sam%40example.com", "447700900555", "samuel", "taylor",
	"pk-sam", "crm-sam", "u-sam", "tb-sam", "1990-01-01"}

func TestPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		ingestStory(t, store)
		fan := storetest.LiveFanByEmail(t, store, "sam@example.com")
		c := h.client()
		h.signIn(c)

		dash := h.page(c, "/admin/")
		for _, want := range []string{"<svg", "Deliveries per hour per provider", "fixr", "vibes", "backlog", `rel="icon"`} {
			if !strings.Contains(dash, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		if got := search(t, h, c, "sam@"); len(got) != 1 || got[0] != fmt.Sprint(fan) {
			t.Fatalf("search sam@ = %v, want [%d]", got, fan)
		}
		page := h.page(c, fmt.Sprintf("/admin/fans/%d", fan))
		for _, want := range []string{"sam@example.com", "Taylor", "u-sam", "marketing", "opt_out", "k-ticket", "k-form",
			"k-delivery", "k-consent", "k-identity", "Mixed Night", "12.50 EUR", "k-order", "tikkl order T-900"} {
			if !strings.Contains(page, want) {
				t.Errorf("fan page lacks %q", want)
			}
		}

		res := h.get(c, fmt.Sprintf("/admin/fans/%d/export", fan))
		var export map[string]any
		if err := json.Unmarshal([]byte(readBody(res)), &export); err != nil {
			t.Fatalf("export is not JSON: %v", err)
		}
		for _, k := range []string{"fans", "identities", "consent_changes", "tickets", "form_entries", "deliveries"} {
			if rows, _ := export[k].([]any); len(rows) == 0 && k != "tickets" {
				t.Errorf("export has no %s", k)
			}
		}

		events := h.page(c, "/admin/events")
		m := regexp.MustCompile(`href="/admin/events/(\d+)"`).FindStringSubmatch(events)
		if m == nil {
			t.Fatal("no event listed")
		}
		if ev := h.page(c, "/admin/events/"+m[1]); !strings.Contains(ev, "Sales") {
			t.Error("event page lacks sales")
		}
		for _, p := range []string{"/admin/events/999999", "/admin/fans/999999", "/admin/deliveries/999999"} {
			if res := h.get(c, p); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
			}
		}
		h.page(c, "/admin/deliveries?status=processed&provider=fixr")
		d := h.page(c, "/admin/deliveries/1")
		if !strings.Contains(d, "Delivery #1 ") || !strings.Contains(d, "vibes") || !strings.Contains(d, "&#34;event_id&#34;: &#34;mix-1&#34;") {
			t.Errorf("delivery page lacks the pretty body:\n%s", d)
		}
		audit := h.page(c, "/admin/audit")
		for _, want := range []string{"sign-in", "export"} {
			if !strings.Contains(audit, want) {
				t.Errorf("audit log lacks %q", want)
			}
		}
	})
}

func TestReplayFailedDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		// A delivery that failed for a passing reason (a lock): replay fixes it.
		body := `{"event":"customer_updated","created":"2025-05-05T10:00:00UTC","message_id":"r-1",
			"payload":{"email":"replay@example.com","first_name":"Re","last_name":"Play","user_uuid":"u-replay"}}`
		var id int64
		if err := store.DB.Raw(`INSERT INTO deliveries (provider, dedup_key, event_type, body, status, error, attempts, received_at)
			VALUES ('fixr', 'r-1', 'customer_updated', ?, 'failed', 'database is locked', 1, ?) RETURNING id`,
			[]byte(body), time.Now().UTC()).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		c := h.client()
		h.signIn(c)
		res := h.postForm(c, fmt.Sprintf("/admin/deliveries/%d/replay", id), url.Values{"csrf": {h.csrf(c)}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("replay: %d", res.StatusCode)
		}
		var status string
		store.Read.Raw("SELECT status FROM deliveries WHERE id = ?", id).Scan(&status)
		if status != models.StatusProcessed || storetest.LiveFanByEmail(t, store, "replay@example.com") == 0 {
			t.Errorf("after replay: status %s", status)
		}
		// The page it redirects to says so; a message in a link from
		// anyone else is not shown.
		if page := h.page(c, res.Header.Get("Location")); !strings.Contains(page, "Replayed: now processed.") {
			t.Error("the replay's message is not shown after its redirect")
		}
		if page := h.page(c, "/admin/fans?flash=Your+session+expired&ft=00"); strings.Contains(page, "session expired") {
			t.Error("a message from a link is shown in the banner")
		}
		if !strings.Contains(h.page(c, "/admin/audit"), "replay") {
			t.Error("the replay is not in the audit log")
		}
	})
}

func TestEraseThenReplayLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		ingestStory(t, store)
		fan := storetest.LiveFanByEmail(t, store, "sam@example.com")
		c := h.client()
		h.signIn(c)
		confirm := h.page(c, fmt.Sprintf("/admin/fans/%d/erase", fan))
		if !strings.Contains(confirm, "Erase this fan") {
			t.Fatal("no confirmation step")
		}
		res := h.postForm(c, fmt.Sprintf("/admin/fans/%d/erase", fan), url.Values{"csrf": {h.csrf(c)}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("erase: %d", res.StatusCode)
		}
		res = h.postForm(c, "/admin/deliveries/replay-failed", url.Values{"csrf": {h.csrf(c)}})
		res.Body.Close()
		w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})
		if _, err := w.Replay(context.Background(), sync.ReplayFilter{Status: "all"}); err != nil {
			t.Fatal(err)
		}
		if found := storetest.GrepDatabase(t, store, samNeedles); len(found) > 0 {
			t.Fatalf("personal data left after erasure and a full replay:\n%s", strings.Join(found, "\n"))
		}
		if page := h.page(c, fmt.Sprintf("/admin/fans/%d", fan)); !strings.Contains(page, "Personal data erased") {
			t.Error("the fan page does not say the fan is erased")
		}
		if !strings.Contains(h.page(c, "/admin/audit"), "erase") {
			t.Error("the erasure is not in the audit log")
		}
	})
}

// A fan's consent says since when its status holds, not when a provider
// last restated it, and the timeline shows the changes, not every
// restatement.
func TestConsentSinceIsWhenTheStatusBegan(t *testing.T) {
	store := storetest.Open(t, models.DialectSQLite)
	h := newHarness(t, store)
	fan := insertFan(t, store, "ledger@example.com", "", "Led", "Ger")
	at := func(day int) time.Time { return time.Date(2025, 3, day, 12, 0, 0, 0, time.UTC) }
	for day, status := range map[int]string{1: "opt_in", 2: "opt_in", 3: "opt_out", 4: "opt_out", 5: "opt_out"} {
		mustExec(t, store, `INSERT INTO consent_changes (fan_id, topic, status, provider, source, changed_at)
			VALUES (?, 'marketing', ?, 'fixr', 'fixr:ticket_sold', ?)`, fan, status, at(day))
	}
	c := h.client()
	h.signIn(c)
	page := h.page(c, fmt.Sprintf("/admin/fans/%d", fan))
	row := regexp.MustCompile(`<td>marketing</td>.*?</tr>`).FindString(page)
	if !strings.Contains(row, formatTime(at(3))+"</td><td>"+formatTime(at(5))) || strings.Contains(row, "fixr fixr:") {
		t.Errorf("consent row %q: want since %s, last stated %s, the source once", row, formatTime(at(3)), formatTime(at(5)))
	}
	if n := strings.Count(page, `class="k-consent"`); n != 2 {
		t.Errorf("%d consent items in the timeline, want 2 (opt_in, then opt_out)", n)
	}
}
