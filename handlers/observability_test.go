package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// counterValue reads one series of a counter vector from reg.
func counterValue(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if v, ok := labels[l.GetName()]; ok && v != l.GetValue() {
					continue next
				}
			}
			return metricValue(m)
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return float64(m.GetHistogram().GetSampleCount())
}

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())
		r := s.get(t, "/healthz")
		wantStatus(t, r, http.StatusOK)
		if r.Body["status"] != "ok" {
			t.Fatalf("healthz %s", r.Raw)
		}
		wantStatus(t, s.get(t, "/readyz"), http.StatusOK)

		wantStored(t, s.post(t, "/webhooks/fixr", fixrBody("m-9", "ticket_sold"), bearer("fixr-old-token")), "accepted")
		wantStored(t, s.post(t, "/webhooks/fixr", fixrBody("m-9", "ticket_sold"), bearer("fixr-old-token")), "duplicate")
		wantError(t, s.post(t, "/webhooks/fixr", fixrBody("m-9", "ticket_sold"), nil), http.StatusUnauthorized)

		r = s.get(t, "/metrics")
		wantStatus(t, r, http.StatusOK)
		for _, want := range []string{
			`fanhook_deliveries_total{provider="fixr",status="pending"} 1`,
			`fanhook_deliveries_total{provider="vibes",status="processed"} 0`,
			`fanhook_deliveries_pending 1`,
			`fanhook_http_request_duration_seconds_count{code="200",method="POST",route="/webhooks/:provider"} 2`,
			`fanhook_http_request_duration_seconds_count{code="401",method="POST",route="/webhooks/:provider"} 1`,
			`fanhook_tikkl_signature_form_total{form="bare_secret"} 0`,
		} {
			if !strings.Contains(r.Raw, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(r.Raw, "m-9") || strings.Contains(r.Raw, `route="/webhooks/fixr"`) {
			t.Errorf("metrics carry raw URLs or payload values")
		}
	})
}

func TestReadyzWhenDatabaseGone(t *testing.T) {
	t.Parallel()
	store := storetest.Open(t, models.DialectSQLite)
	s := newTestServer(t, store, testSecrets())
	store.Close()
	wantError(t, s.get(t, "/readyz"), http.StatusServiceUnavailable)
	wantStatus(t, s.get(t, "/healthz"), http.StatusOK)
}

// A database that answers but lost fanhook's tables cannot store anything:
// not ready. Load balancers that check with HEAD get the same answers.
func TestReadyzWithoutTables(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())
		head := func(path string) int {
			req, _ := http.NewRequest(http.MethodHead, s.URL+path, nil)
			return do(t, req).Status
		}
		if code := head("/readyz"); code != http.StatusOK {
			t.Errorf("HEAD /readyz: %d", code)
		}
		if err := store.DB.Exec("ALTER TABLE deliveries RENAME TO deliveries_gone").Error; err != nil {
			t.Fatal(err)
		}
		wantError(t, s.get(t, "/readyz"), http.StatusServiceUnavailable)
		if code := head("/readyz"); code != http.StatusServiceUnavailable {
			t.Errorf("HEAD /readyz without tables: %d", code)
		}
		if code := head("/healthz"); code != http.StatusOK {
			t.Errorf("HEAD /healthz: %d", code)
		}
	})
}

// The log carries no token, secret, signature, query string or email, and
// every line a request writes carries its request id.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	store := storetest.Open(t, models.DialectSQLite)
	s := newTestServer(t, store, testSecrets())
	email := "jane.fan@example.com"

	wantStored(t, s.post(t, "/webhooks/vibes?token=vibes-old-token",
		[]byte(`{"event_id":"log-1","person":{"email":"`+email+`"}}`), map[string]string{"X-Request-Id": "req-abc-123"}), "accepted")
	wantStored(t, s.post(t, "/webhooks/tradablebits?token=tb-new-token&email="+email,
		[]byte(`{"activity_id":"log-2","entry_form":"email=`+email+`"}`), nil), "accepted")
	wantStored(t, s.post(t, "/webhooks/fixr", []byte(`{"message_id":"log-3","event":"x","email":"`+email+`"}`),
		bearer("fixr-new-token")), "accepted")
	body := []byte(`{"orderId":"log-4","userEmail":"` + email + `"}`)
	wantStored(t, s.post(t, "/webhooks/tikkl", body,
		map[string]string{"X-Tikkl-Signature": fmt.Sprintf("%x", tikklMAC("tikkl-old-secret", body))}), "accepted")
	wantStored(t, s.post(t, "/webhooks/tikkl", []byte(`{"orderId":"log-5"}`),
		map[string]string{"X-Tikkl-Signature": "tikkl-new-secret"}), "accepted")
	// Failures log too: a wrong token, a bad body, a 413.
	wantError(t, s.post(t, "/webhooks/vibes?token=guessed-token-1",
		[]byte(`{"email":"`+email+`"}`), nil), http.StatusUnauthorized)
	wantError(t, s.post(t, "/webhooks/fixr", []byte(`["`+email+`"]`), bearer("fixr-old-token")), http.StatusBadRequest)
	wantError(t, s.post(t, "/webhooks/fixr", []byte(`{"`+email+``), map[string]string{"Authorization": "Bearer guessed-token-2"}),
		http.StatusUnauthorized)
	// An email or phone typed into a path is withheld from the line.
	s.get(t, "/admin/fans/"+email)
	s.get(t, "/webhooks/+447700900123")

	logs := s.logs.String()
	for _, secret := range []string{
		"vibes-old-token", "tb-new-token", "fixr-new-token", "fixr-old-token", "tikkl-old-secret", "tikkl-new-secret",
		"guessed-token", "token=", email, "example.com", "7700900123", fmt.Sprintf("%x", tikklMAC("tikkl-old-secret", body)),
	} {
		if strings.Contains(logs, secret) {
			t.Errorf("log holds %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{`"request_id":"req-abc-123"`, `"route":"/webhooks/:provider"`, `"path":"/webhooks/vibes"`, `"status":401`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if strings.Contains(line, `"route"`) && !strings.Contains(line, `"request_id"`) {
			t.Errorf("request line without request_id: %s", line)
		}
	}
}
