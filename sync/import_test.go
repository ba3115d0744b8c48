package sync_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// importBatches imports ds through StoreAndApply, size at a time, and
// returns how many were new.
func importBatches(t *testing.T, w *sync.Worker, size int, ds ...delivery) int {
	t.Helper()
	n := 0
	for start := 0; start < len(ds); start += size {
		var batch []*models.Delivery
		for _, d := range ds[start:min(len(ds), start+size)] {
			batch = append(batch, &models.Delivery{Provider: d.provider, Body: d.body, ReceivedAt: receivedAt})
		}
		k, err := w.StoreAndApply(context.Background(), sync.PrepareImport(batch))
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		n += k
	}
	return n
}

// An import stores its deliveries already processed and applies them in
// the same transaction; the model must be the one the worker makes of the
// same deliveries, applied one by one, ids included.
func TestImportLeavesTheSameModelAsTheWorker(t *testing.T) {
	workload := mergingWorkload()
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			opts := sync.WorkerOptions{Now: func() time.Time { return receivedAt }, Concurrency: 1}
			reference := storetest.Open(t, dialect)
			accept(t, reference, workload...)
			one := sync.NewWorker(reference, zerolog.Nop(), sync.WorkerOptions{BatchSize: 1, Now: opts.Now, Concurrency: 1})
			sync.AlwaysCareful(one)
			if _, err := one.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			want := dumpModel(t, reference)

			for _, v := range []struct {
				name    string
				size    int
				careful bool
			}{{"one batch", len(workload), false}, {"batches of 23", 23, false}, {"with savepoints", 23, true}} {
				t.Run(v.name, func(t *testing.T) {
					store := storetest.Open(t, dialect)
					w := sync.NewWorker(store, zerolog.Nop(), opts)
					if v.careful {
						sync.AlwaysCareful(w)
					}
					if n := importBatches(t, w, v.size, workload...); n != len(workload) {
						t.Fatalf("%d new of %d", n, len(workload))
					}
					if got := dumpModel(t, store); got != want {
						t.Fatalf("imported model differs\n--- imported\n%s\n--- worker\n%s", got, want)
					}
					var odd int64
					store.Read.Raw(`SELECT COUNT(*) FROM deliveries
						WHERE status <> 'processed' OR attempts <> 1 OR processed_at IS NULL OR error <> ''`).Scan(&odd)
					if odd != 0 {
						t.Fatalf("%d deliveries not stored as processed once", odd)
					}
				})
			}
		})
	}
}

// A delivery already stored is not applied again by an import, and one
// that cannot be parsed fails alone, with its error.
func TestImportAppliesOnlyNewDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		sold := delivery{"fixr", fixrTicketSold(1, 1)}
		pending := delivery{"fixr", fixrTicketSold(2, 2)}
		badPrice := delivery{"fixr", []byte(`{"event":"ticket_sold","message_id":"bad-price","created":"2023-09-20T11:11:19UTC",
			"payload":{"event_id":"919509149","order_reference":"ord-bad","ticket_reference":"ref-bad","quantity":1,
			"price":{"amount":"abc","currency":"GBP"},"ticket_holders":[{"email":"bad@example.com"}]}}`)}
		accept(t, store, pending) // a webhook the worker has not applied yet
		w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})

		if n := importBatches(t, w, 10, sold, sold, pending, badPrice); n != 2 {
			t.Fatalf("%d new, want 2 (the sale and the bad price)", n)
		}
		status := func(messageID string) (st, errText string, attempts int) {
			t.Helper()
			row := store.Read.Raw("SELECT status, error, attempts FROM deliveries WHERE dedup_key = ?",
				messageID+":ticket_sold").Row()
			if err := row.Scan(&st, &errText, &attempts); err != nil {
				t.Fatalf("%s: %v", messageID, err)
			}
			return st, errText, attempts
		}
		if st, _, _ := status("msg-1"); st != models.StatusProcessed {
			t.Fatalf("the sale is %s", st)
		}
		if st, _, attempts := status("msg-2"); st != models.StatusPending || attempts != 0 {
			t.Fatalf("the webhook's delivery is %s after %d attempts; the import must leave it to the worker", st, attempts)
		}
		if st, errText, _ := status("bad-price"); st != models.StatusFailed || errText == "" {
			t.Fatalf("the bad price is %s (%q)", st, errText)
		}
		var consents, sales int64
		countRows := func() {
			store.Read.Raw(`SELECT COUNT(*) FROM consent_changes c JOIN deliveries d ON d.id = c.delivery_id
				WHERE d.dedup_key = 'msg-1:ticket_sold'`).Scan(&consents)
			store.Read.Raw("SELECT COUNT(*) FROM tickets").Scan(&sales)
		}
		countRows()
		if consents == 0 || sales != 1 {
			t.Fatalf("%d consent changes and %d tickets after the first import", consents, sales)
		}
		firstConsents := consents

		if n := importBatches(t, w, 10, sold, pending); n != 0 {
			t.Fatalf("%d new on the second import", n)
		}
		countRows()
		if consents != firstConsents || sales != 1 {
			t.Fatalf("%d consent changes and %d tickets after importing again, want %d and 1", consents, sales, firstConsents)
		}
		if n, err := w.Drain(context.Background()); err != nil || n != 1 {
			t.Fatalf("drained %d: %v", n, err)
		}
		if st, _, _ := status("msg-2"); st != models.StatusProcessed {
			t.Fatalf("the webhook's delivery is %s after the drain", st)
		}
	})
}

// A delivery that fails to apply sends its batch back, to be stored and
// applied again a delivery at a time under savepoints: it fails alone, and
// every delivery is stored.
func TestImportFailsABadDeliveryAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})
		sync.FailApplying(w, func(body []byte) bool { return bytes.Contains(body, []byte(`"msg-2"`)) })
		var ds []delivery
		for k := range 5 {
			ds = append(ds, delivery{"fixr", fixrTicketSold(k, k)})
		}
		if n := importBatches(t, w, len(ds), ds...); n != len(ds) {
			t.Fatalf("%d new of %d", n, len(ds))
		}
		var failed []string
		store.Read.Raw("SELECT dedup_key || ' ' || error FROM deliveries WHERE status = 'failed'").Scan(&failed)
		if len(failed) != 1 || failed[0] != "msg-2:ticket_sold failed by the test" {
			t.Fatalf("failed deliveries: %q", failed)
		}
		var processed, tickets int64
		store.Read.Raw("SELECT COUNT(*) FROM deliveries WHERE status = 'processed'").Scan(&processed)
		store.Read.Raw("SELECT COUNT(*) FROM tickets").Scan(&tickets)
		if processed != 4 || tickets != 4 {
			t.Fatalf("%d processed, %d tickets; want 4 and 4", processed, tickets)
		}
	})
}

// An interrupted import stops before its next transaction. On SQLite its
// statements run without the context's cancellation (they are short, and
// go-sqlite3 would run each on a goroutine of its own), so the import
// checks the context itself.
func TestImportStopsWhenCancelled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		batch := []*models.Delivery{{Provider: "fixr", Body: fixrTicketSold(1, 1), ReceivedAt: receivedAt}}
		n, err := w.StoreAndApply(ctx, sync.PrepareImport(batch))
		if !errors.Is(err, context.Canceled) || n != 0 {
			t.Fatalf("StoreAndApply on a cancelled context: %d new, %v; want 0 and context.Canceled", n, err)
		}
		var stored int64
		store.Read.Raw("SELECT COUNT(*) FROM deliveries").Scan(&stored)
		if stored != 0 {
			t.Fatalf("%d deliveries stored after the interrupt", stored)
		}
	})
}

// Beside another process on the same SQLite file (a `serve`), an import
// commits in smaller transactions, so that webhooks wait less, and its
// writer checkpoints as serve's does; alone, it keeps its large ones. It
// learns of a fanhook process as soon as that opens the file, and of any
// other writer once it commits. Each import transaction counts itself in
// model_version.
func TestImportCommitsInPartsBesideAnotherWriter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		another func(t *testing.T, store *models.Store)
	}{
		{"a fanhook process opens the file", func(t *testing.T, store *models.Store) {
			other, err := models.Open(context.Background(), store.URL, models.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
		}},
		{"a writer that is not fanhook commits", func(t *testing.T, store *models.Store) {
			db, err := sql.Open("sqlite3", models.SQLiteDSN(strings.TrimPrefix(store.URL, "sqlite:"), false))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE written_elsewhere (x INTEGER)"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := storetest.Open(t, models.DialectSQLite)
			w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})
			sync.SharedImportBatch(w, 2)
			// As `fanhook import` does: the WAL may grow while the import is alone.
			if err := store.SetWriterCheckpointPages(context.Background(), 50_000); err != nil {
				t.Fatal(err)
			}
			next := 0
			transactions := func() int64 {
				t.Helper()
				before := storetest.ModelVersion(t, store)
				var ds []delivery
				for range 4 {
					next++
					ds = append(ds, delivery{"fixr", fixrTicketSold(next, next)})
				}
				importBatches(t, w, len(ds), ds...)
				return storetest.ModelVersion(t, store) - before
			}
			for k := range 3 {
				if n := transactions(); n != 1 {
					t.Fatalf("import %d alone took %d transactions, want 1", k+1, n)
				}
			}
			if n := checkpointPages(t, store); n != 50_000 {
				t.Fatalf("alone, the writer checkpoints every %d pages, want 50000", n)
			}
			tc.another(t, store)
			if n := transactions(); n != 2 {
				t.Fatalf("the next import took %d transactions, want 2 (4 deliveries, 2 a transaction)", n)
			}
			if n := checkpointPages(t, store); n != models.WriterCheckpointPages {
				t.Fatalf("beside another writer, the import's writer checkpoints every %d pages, want serve's %d",
					n, models.WriterCheckpointPages)
			}
		})
	}
}

func checkpointPages(t *testing.T, store *models.Store) int {
	t.Helper()
	var n int
	if err := store.SQL().QueryRow("PRAGMA wal_autocheckpoint").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
