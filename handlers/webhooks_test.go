package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fanhook/fanhook/handlers"
	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

func fixrBody(messageID, event string) []byte {
	return []byte(fmt.Sprintf(`{"message_id":%q,"event":%q,"created":"2023-09-20T10:57:14UTC","payload":{"id":1}}`, messageID, event))
}

func TestFIXR(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())

		body := fixrBody("m-1", "ticket_sold")
		id := wantStored(t, s.post(t, "/webhooks/fixr", body, bearer("fixr-old-token")), "accepted")
		d := s.delivery(t, id)
		if d.Provider != models.ProviderFIXR || string(d.Body) != string(body) || d.Status != models.StatusPending {
			t.Fatalf("stored %+v", d)
		}
		var headers map[string]string
		if err := json.Unmarshal([]byte(d.Headers), &headers); err != nil {
			t.Fatalf("headers %q: %v", d.Headers, err)
		}
		if headers["Authorization"] != "Bearer ***" || strings.Contains(d.Headers, "fixr-old-token") {
			t.Fatalf("headers not masked: %s", d.Headers)
		}

		// A retry is a duplicate of the same row.
		if dup := wantStored(t, s.post(t, "/webhooks/fixr", body, bearer("fixr-new-token")), "duplicate"); dup != id {
			t.Fatalf("duplicate id %d, want %d", dup, id)
		}
		// Another event reusing the message_id is another delivery.
		other := wantStored(t, s.post(t, "/webhooks/fixr", fixrBody("m-1", "ticket_scanned"), bearer("fixr-new-token")), "accepted")
		if other == id {
			t.Fatalf("second event under one message_id got the first one's id %d", id)
		}

		wantError(t, s.post(t, "/webhooks/fixr", fixrBody("m-2", "ticket_sold"), bearer("wrong")), http.StatusUnauthorized)
		wantError(t, s.post(t, "/webhooks/fixr", fixrBody("m-2", "ticket_sold"), nil), http.StatusUnauthorized)
		wantError(t, s.post(t, "/webhooks/fixr", fixrBody("m-2", "ticket_sold"),
			map[string]string{"Authorization": "Basic Zml4cjpmaXhyLW9sZC10b2tlbg=="}), http.StatusUnauthorized)
		// The token in the URL is not a FIXR credential.
		wantError(t, s.post(t, "/webhooks/fixr?token=fixr-old-token", fixrBody("m-2", "ticket_sold"), nil), http.StatusUnauthorized)
		if n := s.deliveryCount(t); n != 2 {
			t.Fatalf("%d deliveries stored, want 2", n)
		}
	})
}

// A provider set up to send a credential in a header of its own leaves no
// secret in the stored headers, whatever the header is called; its other
// headers are kept as sent.
func TestStoredHeadersMaskSecrets(t *testing.T) {
	t.Parallel()
	store := storetest.Open(t, models.DialectSQLite)
	s := newTestServer(t, store, testSecrets())
	id := wantStored(t, s.post(t, "/webhooks/fixr", fixrBody("m-h", "ticket_sold"), map[string]string{
		"Authorization":  "Bearer fixr-new-token",
		"X-Fixr-Token":   "fixr-new-token",
		"X-Vibes-Hook":   "vibes-old-token",
		"X-Tikkl-Custom": "sig tikkl-new-secret",
		"X-Fixr-Event":   "ticket_sold",
	}), "accepted")
	d := s.delivery(t, id)
	for _, secret := range []string{"fixr-new-token", "vibes-old-token", "tikkl-new-secret"} {
		if strings.Contains(d.Headers, secret) {
			t.Fatalf("stored headers hold %q: %s", secret, d.Headers)
		}
	}
	var headers map[string]string
	if err := json.Unmarshal([]byte(d.Headers), &headers); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"X-Fixr-Token": "***", "X-Vibes-Hook": "***", "X-Tikkl-Custom": "***", "X-Fixr-Event": "ticket_sold"}
	for name, v := range want {
		if headers[name] != v {
			t.Errorf("%s stored as %q, want %q", name, headers[name], v)
		}
	}
}

func TestTradableBits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())
		body := []byte(`{"activity_id":"a-77","fan_id":"f-1","entry_form":"email=fan%40example.com"}`)

		id := wantStored(t, s.post(t, "/webhooks/tradablebits?token=tb-old-token", body, nil), "accepted")
		if dup := wantStored(t, s.post(t, "/webhooks/tradablebits", body, bearer("tb-new-token")), "duplicate"); dup != id {
			t.Fatalf("duplicate id %d, want %d", dup, id)
		}
		wantStored(t, s.post(t, "/webhooks/tradablebits", []byte(`{"activity_id":"a-78"}`), bearer("tb-old-token")), "accepted")

		other := []byte(`{"activity_id":"a-79"}`)
		wantError(t, s.post(t, "/webhooks/tradablebits?token=nope", other, nil), http.StatusUnauthorized)
		wantError(t, s.post(t, "/webhooks/tradablebits", other, bearer("nope")), http.StatusUnauthorized)
		wantError(t, s.post(t, "/webhooks/tradablebits", other, nil), http.StatusUnauthorized)
		if n := s.deliveryCount(t); n != 2 {
			t.Fatalf("%d deliveries stored, want 2", n)
		}
	})
}

func TestVibes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())
		body := []byte(`{"event_id":"e-1","callback_type":"person_added","event_date":"2017-01-01T00:00Z"}`)

		id := wantStored(t, s.post(t, "/webhooks/vibes?token=vibes-old-token", body, nil), "accepted")
		basic := map[string]string{"Authorization": "Basic " + basicAuth("vibes", "vibes-new-token")}
		if dup := wantStored(t, s.post(t, "/webhooks/vibes", body, basic), "duplicate"); dup != id {
			t.Fatalf("duplicate id %d, want %d", dup, id)
		}
		if d := s.delivery(t, id); d.EventType != "person_added" || d.DedupKey != "e-1" {
			t.Fatalf("stored event type %q key %q", d.EventType, d.DedupKey)
		}

		other := []byte(`{"event_id":"e-2"}`)
		wantError(t, s.post(t, "/webhooks/vibes?token=nope", other, nil), http.StatusUnauthorized)
		wantError(t, s.post(t, "/webhooks/vibes", other,
			map[string]string{"Authorization": "Basic " + basicAuth("vibes-new-token", "")}), http.StatusUnauthorized)
		wantError(t, s.post(t, "/webhooks/vibes", other, bearer("vibes-new-token")), http.StatusUnauthorized)
		wantError(t, s.post(t, "/webhooks/vibes", other, nil), http.StatusUnauthorized)
		if n := s.deliveryCount(t); n != 1 {
			t.Fatalf("%d deliveries stored, want 1", n)
		}
	})
}

func TestProviderNotConfigured(t *testing.T) {
	t.Parallel()
	store := storetest.Open(t, models.DialectSQLite)
	s := newTestServer(t, store, handlers.Secrets{Tikkl: []string{"only-tikkl"}})
	for provider, env := range map[string]string{
		"fixr": "FANHOOK_FIXR_TOKEN", "tradablebits": "FANHOOK_TRADABLEBITS_TOKEN", "vibes": "FANHOOK_VIBES_TOKEN",
	} {
		r := s.post(t, "/webhooks/"+provider, []byte(`{}`), bearer("anything"))
		wantError(t, r, http.StatusNotFound)
		want := "provider " + provider + " is not configured: set " + env
		if r.Body["error"] != want {
			t.Errorf("%s: error %q, want %q", provider, r.Body["error"], want)
		}
	}
	wantError(t, s.post(t, "/webhooks/eventbrite", []byte(`{}`), nil), http.StatusNotFound)
	// Echo's own refusals answer in the same shape.
	wantError(t, s.get(t, "/webhooks/tikkl"), http.StatusMethodNotAllowed)
	wantError(t, s.post(t, "/no/such/route", []byte(`{}`), nil), http.StatusNotFound)
	if n := s.deliveryCount(t); n != 0 {
		t.Fatalf("%d deliveries stored, want 0", n)
	}
}
