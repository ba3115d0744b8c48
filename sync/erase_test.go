package sync_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

var erasedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// samNeedles are every form in which the mixed story's fan appears.
var samNeedles = []string{"sam@example.com", "sam%40example.com", "447700900555", "samuel", "taylor",
	"pk-sam", "crm-sam", "u-sam", "tb-sam", "1990-01-01"}

func TestEraseFan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		ctx := context.Background()
		paths, _ := filepath.Glob("testdata/stories/mixed/*.json")
		sort.Strings(paths)
		var ds []delivery
		for _, p := range paths {
			ds = append(ds, readCase(t, p))
		}
		for i := range ds {
			ds[i].provider = strings.SplitN(filepath.Base(paths[i]), "-", 3)[1]
		}
		ingest(t, store, ds...)
		fanID := storetest.LiveFanByEmail(t, store, "sam@example.com")
		if fanID == 0 {
			t.Fatal("the story made no fan for sam@example.com")
		}

		// A failed delivery never linked to the fan, and a pending one.
		mustExec(t, store, `INSERT INTO deliveries (provider, dedup_key, event_type, headers, body, status, error, received_at)
			VALUES ('fixr', 'failed-1', 'ticket_sold', '{"X-Forwarded-For":"10.0.0.1","User-Agent":"fixr"}', ?, 'failed',
			'bad email "Sam@Example.com"', ?)`, []byte(`{"event":"ticket_sold","payload":{"email":"Sam@Example.com"}}`), erasedAt.Add(-time.Hour))
		accept(t, store, delivery{"fixr", []byte(`{"event":"customer_updated","created":"2025-06-01T10:00:00UTC",
			"message_id":"pending-1","payload":{"email":"sam@example.com","first_name":"Samuel","last_name":"Taylor","user_uuid":"u-sam"}}`)})

		if err := sync.EraseFan(ctx, store, fanID, erasedAt); err != nil {
			t.Fatalf("erase: %v", err)
		}
		if err := sync.EraseFan(ctx, store, 1<<40, erasedAt); !errors.Is(err, sync.ErrFanNotFound) {
			t.Fatalf("erase unknown fan: %v, want ErrFanNotFound", err)
		}
		replayAll(t, store)
		if found := storetest.GrepDatabase(t, store, samNeedles); len(found) > 0 {
			t.Fatalf("personal data left after erasure and a full replay:\n%s", strings.Join(found, "\n"))
		}
		// A redelivery (new dedup key) of an older fact is stored raw, as
		// every authenticated delivery is, makes no fan again, and its raw
		// body is dropped once the worker sees whom it names.
		ingest(t, store, delivery{"fixr", []byte(`{"event":"customer_updated","created":"2025-05-06T10:00:00UTC",
			"message_id":"redelivered","payload":{"email":"SAM@example.com","first_name":"Samuel","last_name":"Taylor",
			"mobile_number":"+447700900555","user_uuid":"u-sam"}}`)})
		if found := storetest.GrepDatabase(t, store, samNeedles); len(found) > 0 {
			t.Fatalf("an older redelivery brought the fan back:\n%s", strings.Join(found, "\n"))
		}
		var pending int64
		store.Read.Raw("SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'failed')").Scan(&pending)
		if pending != 0 {
			t.Errorf("%d deliveries left pending or failed after erasure", pending)
		}
		var sales int64
		store.Read.Raw("SELECT COUNT(*) FROM report_event_sales WHERE tickets_sold > 0").Scan(&sales)
		if sales == 0 {
			t.Error("erasure lost the sales")
		}
		// The ledger stays, but an erased fan consents to nothing now.
		var consents, ledger int64
		var marketing *string
		store.Read.Raw("SELECT COUNT(*) FROM report_consents WHERE fan_id = ?", fanID).Scan(&consents)
		store.Read.Raw("SELECT COUNT(*) FROM consent_changes WHERE fan_id = ?", fanID).Scan(&ledger)
		store.Read.Raw("SELECT marketing_consent FROM report_fans WHERE fan_id = ?", fanID).Scan(&marketing)
		if consents != 0 || marketing != nil || ledger == 0 {
			t.Errorf("after erasure: %d current consents, marketing %v, %d ledger rows; want none, NULL, the ledger kept",
				consents, marketing, ledger)
		}

		// A fact newer than the erasure is a new relationship: it makes a new fan.
		ingest(t, store, delivery{"fixr", []byte(`{"event":"customer_updated","created":"2026-02-01T10:00:00UTC",
			"message_id":"newer","payload":{"email":"sam@example.com","first_name":"Sam","user_uuid":"u-sam"}}`)})
		if id := storetest.LiveFanByEmail(t, store, "sam@example.com"); id == 0 || id == fanID {
			t.Errorf("fan after a newer delivery = %d, want a new fan (erased was %d)", id, fanID)
		}
	})
}

// On SQLite an erased fan's data is not left behind in the file's free
// space or its write-ahead log either, where `strings` would find it.
func TestErasedFanLeavesNoBytesInTheSQLiteFile(t *testing.T) {
	store := storetest.Open(t, models.DialectSQLite)
	ingest(t, store, readStory(t, "mixed")...)
	fanID := storetest.LiveFanByEmail(t, store, "sam@example.com")
	if err := sync.EraseFan(context.Background(), store, fanID, erasedAt); err != nil {
		t.Fatalf("erase: %v", err)
	}
	// A later redelivery naming the fan is stored raw, as every
	// authenticated delivery is, until the worker sees whom it names.
	ingest(t, store, delivery{"fixr", []byte(`{"event":"customer_updated","created":"2025-05-06T10:00:00UTC",
		"message_id":"redelivered","payload":{"email":"sam@example.com","last_name":"Taylor","user_uuid":"u-sam"}}`)})
	path := strings.TrimPrefix(store.URL, "sqlite:")
	for _, file := range []string{path, path + "-wal"} {
		raw, err := os.ReadFile(file)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, needle := range []string{"sam@example.com", "Taylor", "447700900555"} {
			if bytes.Contains(raw, []byte(needle)) {
				t.Errorf("%s still holds %q after the erasure", filepath.Base(file), needle)
			}
		}
	}
}

func mustExec(t testing.TB, store *models.Store, q string, args ...any) {
	t.Helper()
	if err := store.DB.Exec(q, args...).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// accept stores deliveries without normalizing them.
func accept(t testing.TB, store *models.Store, ds ...delivery) {
	t.Helper()
	inbox := sync.NewInbox(store, zerolog.Nop(), sync.InboxOptions{})
	inbox.Start()
	defer inbox.Close()
	for _, d := range ds {
		if _, _, err := inbox.Accept(context.Background(), &models.Delivery{Provider: d.provider, Body: d.body,
			ReceivedAt: receivedAt}); err != nil {
			t.Fatalf("accept: %v", err)
		}
	}
}
