package sync_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// mergingWorkload has many merges, some inside a batch and some across:
// for each person a phone-only Vibes fan and an email-only Tikkl buyer,
// then a FIXR sale naming both (a merge), a second sale, and a scan of the
// first sale's ticket.
func mergingWorkload() []delivery {
	var ds []delivery
	for k := range 12 {
		phone := fmt.Sprintf("+4477009%05d", k)
		email := fmt.Sprintf("fan%d@example.com", k)
		first := []delivery{
			vibesPerson("ev-"+fmt.Sprint(k), fmt.Sprintf("pk-%d", k), phone),
			tikklBuyer(fmt.Sprintf("o-%d", k), "Fan Number", email, "", "2025-01-01T10:00:00"),
		}
		if k%2 == 0 { // the fan merged away is the Tikkl buyer for some, the Vibes person for others
			first[0], first[1] = first[1], first[0]
		}
		ds = append(ds, first...)
		ds = append(ds,
			delivery{"fixr", fixrTicketSold(k, k)},
			delivery{"fixr", fixrTicketSold(1000+k, k)},
			delivery{"fixr", fmt.Appendf(nil, `{"event":"ticket_scanned","payload":{"ticket_reference":"ref-%d",
				"event_id":"919509149","scanned_at":"2023-09-21T20:00:00UTC","people_in":1,"entry_status":"in"},
				"created":"2023-09-21T20:00:01UTC","message_id":"scan-%d","fixr_account_id":"930327450"}`, k, k)},
		)
	}
	return ds
}

// dumpModel lists every row of the unified model that a merge touches,
// with ids: two runs over the same deliveries in the same order allocate the
// same ids.
func dumpModel(t *testing.T, store *models.Store) string {
	t.Helper()
	queries := []string{
		"SELECT 'fan', id, email, phone, first_name, last_name, merged_into, erased_at FROM fans",
		"SELECT 'identity', fan_id, kind, value FROM fan_identities",
		"SELECT 'order', provider, external_id, fan_id, event_id FROM orders",
		"SELECT 'ticket', provider, external_id, fan_id, order_id, event_id FROM tickets",
		"SELECT 'scan', ticket_id, scanned_at, people_in FROM scans",
		"SELECT 'consent', fan_id, topic, status, provider, delivery_id FROM consent_changes",
		"SELECT 'fan_delivery', fan_id, delivery_id FROM fan_deliveries",
		"SELECT 'form', provider, activity_id, fan_id FROM form_entries",
		"SELECT 'merge', from_fan_id, into_fan_id, delivery_id FROM fan_merges",
	}
	var lines []string
	for _, q := range queries {
		rows, err := store.Read.Raw(q).Rows()
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals, err := models.ScanValues(rows, len(cols))
			if err != nil {
				t.Fatal(err)
			}
			cells := make([]string, len(vals))
			for i, v := range vals {
				cells[i] = cell(v)
			}
			lines = append(lines, strings.Join(cells, " | "))
		}
		rows.Close()
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// A batch keeps the rows it touches in memory and folds merges into them;
// the careful path applies one delivery per transaction, row by row in SQL.
// Both must leave exactly the same model, ids included.
func TestBatchedMergesLeaveTheSameModelAsOneByOne(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			run := func(opts sync.WorkerOptions, careful bool) string {
				store := storetest.Open(t, dialect)
				accept(t, store, mergingWorkload()...)
				opts.Now = func() time.Time { return receivedAt }
				opts.Concurrency = 1
				written := 0
				opts.OnSnapshot = func(w bool) {
					if w {
						written++
					}
				}
				w := sync.NewWorker(store, zerolog.Nop(), opts)
				if careful {
					sync.AlwaysCareful(w)
				}
				n, err := w.Drain(context.Background())
				if err != nil || n != len(mergingWorkload()) {
					t.Fatalf("drained %d of %d: %v", n, len(mergingWorkload()), err)
				}
				if dialect == models.DialectSQLite && opts.Yield != nil && written == 0 {
					t.Fatal("no batch was applied on a snapshot")
				}
				var failed int64
				store.Read.Raw("SELECT COUNT(*) FROM deliveries WHERE status <> 'processed'").Scan(&failed)
				if failed != 0 {
					t.Fatalf("%d deliveries not processed", failed)
				}
				return dumpModel(t, store)
			}
			oneByOne := run(sync.WorkerOptions{BatchSize: 1}, true)
			batched := run(sync.WorkerOptions{BatchSize: 1000, MaxBatchTime: time.Minute}, false)
			// Batches of 23 split people across them. With Yield set, a
			// PostgreSQL batch reads its rows 16 deliveries at a time, so rows
			// are read after a merge in the same batch, and a SQLite batch is
			// applied on a snapshot (batch_snapshot.go).
			windowed := run(sync.WorkerOptions{BatchSize: 23, MaxBatchTime: time.Minute, Yield: func() bool { return false }}, false)
			if merges := strings.Count(oneByOne, `"merge" |`); merges < 12 {
				t.Fatalf("the workload merged %d times, want one a person at least:\n%s", merges, oneByOne)
			}
			if batched != oneByOne {
				t.Fatalf("batched model differs\n--- batched\n%s\n--- one by one\n%s", batched, oneByOne)
			}
			if windowed != oneByOne {
				t.Fatalf("model in batches of 23 differs\n--- batches of 23\n%s\n--- one by one\n%s", windowed, oneByOne)
			}
		})
	}
}
