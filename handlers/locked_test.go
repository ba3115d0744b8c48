package handlers_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// While another process holds SQLite's write lock past the busy timeout,
// a delivery gets 503 with Retry-After; once the lock goes, it is stored.
func TestSQLiteLockedAnswers503(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t, models.DialectSQLite)
	ctx := context.Background()
	store, err := models.Open(ctx, url, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, store, testSecrets())

	// The "sqlite3" driver is registered by gorm's SQLite driver, which
	// models imports.
	raw, err := sql.Open("sqlite3", models.SQLiteDSN(strings.TrimPrefix(url, "sqlite:"), false))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}

	body := []byte(`{"activity_id":"locked"}`)
	start := time.Now()
	r := s.post(t, "/webhooks/tradablebits?token=tb-old-token", body, nil)
	elapsed := time.Since(start)
	wantError(t, r, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") != "5" {
		t.Errorf("Retry-After %q, want 5", r.Header.Get("Retry-After"))
	}
	if elapsed > models.SQLiteBusyTimeout+3*time.Second {
		t.Errorf("503 took %v", elapsed)
	}

	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	wantStored(t, s.post(t, "/webhooks/tradablebits?token=tb-old-token", body, nil), "accepted")
	if n := s.deliveryCount(t); n != 1 {
		t.Fatalf("%d deliveries stored, want 1", n)
	}
}
