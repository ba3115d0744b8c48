package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	gosync "sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/handlers"
	"github.com/fanhook/fanhook/models"
	fansync "github.com/fanhook/fanhook/sync"
)

// Every provider is configured with a rotated pair of secrets.
func testSecrets() handlers.Secrets {
	return handlers.Secrets{
		FIXR:         []string{"fixr-old-token", "fixr-new-token"},
		Tikkl:        []string{"tikkl-old-secret", "tikkl-new-secret"},
		TradableBits: []string{"tb-old-token", "tb-new-token"},
		Vibes:        []string{"vibes-old-token", "vibes-new-token"},
	}
}

// testServer is the real HTTP surface over a real inbox and store.
type testServer struct {
	URL   string
	store *models.Store
	logs  *lockedBuffer
	reg   *prometheus.Registry
}

func newTestServer(t *testing.T, store *models.Store, secrets handlers.Secrets) *testServer {
	t.Helper()
	logs := &lockedBuffer{}
	log := zerolog.New(logs)
	inbox := fansync.NewInbox(store, log, fansync.InboxOptions{})
	inbox.Start()
	t.Cleanup(inbox.Close)
	reg := prometheus.NewRegistry()
	metrics := handlers.NewMetrics(reg, func(ctx context.Context) (int64, error) {
		return fansync.PendingCount(ctx, store)
	})
	e := echo.New()
	handlers.Register(e, handlers.Deps{
		Secrets: secrets, Inbox: inbox, Store: store, Log: log, Metrics: metrics, Gatherer: reg,
	})
	ts := httptest.NewServer(e)
	t.Cleanup(ts.Close)
	return &testServer{URL: ts.URL, store: store, logs: logs, reg: reg}
}

type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// post sends body to path (which may carry a query) with headers.
func (s *testServer) post(t *testing.T, path string, body []byte, headers map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

func (s *testServer) get(t *testing.T, path string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	r := response{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// deliveryCount is how many deliveries the store holds.
func (s *testServer) deliveryCount(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := s.store.Read.Raw("SELECT COUNT(*) FROM deliveries").Scan(&n).Error; err != nil {
		t.Fatalf("count deliveries: %v", err)
	}
	return n
}

func (s *testServer) delivery(t *testing.T, id int64) models.Delivery {
	t.Helper()
	var d models.Delivery
	if err := s.store.Read.Where("id = ?", id).Take(&d).Error; err != nil {
		t.Fatalf("load delivery %d: %v", id, err)
	}
	return d
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Raw)
	}
}

// wantStored checks a 200 with the given status and returns the delivery id.
func wantStored(t *testing.T, r response, status string) int64 {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	if r.Body["status"] != status {
		t.Fatalf("status %v, want %q; body %s", r.Body["status"], status, r.Raw)
	}
	id, ok := r.Body["delivery_id"].(float64)
	if !ok || id <= 0 {
		t.Fatalf("no delivery_id in %s", r.Raw)
	}
	return int64(id)
}

// wantError checks an error status with a JSON {"error": …} body.
func wantError(t *testing.T, r response, status int) {
	t.Helper()
	wantStatus(t, r, status)
	if msg, _ := r.Body["error"].(string); msg == "" {
		t.Fatalf("no error message in %s", r.Raw)
	}
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

type lockedBuffer struct {
	mu  gosync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
