package sync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// samUpdated is a FIXR profile update: it adds no row, so a stale write
// of it trips no key and would go unnoticed.
func samUpdated(messageID, firstName, at string) delivery {
	return delivery{"fixr", fmt.Appendf(nil, `{"event":"customer_updated","created":%q,"message_id":%q,
		"payload":{"email":"sam@example.com","first_name":%q,"last_name":"Taylor","user_uuid":"u-sam"}}`,
		at, messageID, firstName)}
}

// On SQLite a batch is applied on a read snapshot and written afterwards.
// When another writer of the model commits in between, what the batch
// computed is stale and must not be written: here an older fact's name
// would overwrite the newer one that came in between.
func TestSnapshotBatchIsRedoneWhenTheModelMoved(t *testing.T) {
	store := storetest.Open(t, models.DialectSQLite)
	ctx := context.Background()
	var written, redone int
	countSnapshots := func(w bool) {
		if w {
			written++
		} else {
			redone++
		}
	}
	newWorker := func(opts sync.WorkerOptions) *sync.Worker {
		opts.Now = func() time.Time { return receivedAt }
		return sync.NewWorker(store, zerolog.Nop(), opts)
	}
	ingest(t, store, samUpdated("m-0", "Zero", "2025-01-01T10:00:00UTC"))
	accept(t, store, samUpdated("m-1", "One", "2025-01-02T10:00:00UTC"), samUpdated("m-2", "Two", "2025-01-03T10:00:00UTC"))
	var newest int64
	store.Read.Raw("SELECT MAX(id) FROM deliveries").Scan(&newest)

	// Yield: a worker that lets webhooks go first, as serve's does.
	w := newWorker(sync.WorkerOptions{BatchSize: 1, Yield: func() bool { return false }, OnSnapshot: countSnapshots})
	interleaved := false
	sync.BeforeSnapshotWrite(w, func() {
		if interleaved {
			return
		}
		interleaved = true // the newer update is applied while m-1's batch waits for the writer
		n, err := newWorker(sync.WorkerOptions{}).Replay(ctx, sync.ReplayFilter{ID: newest, Status: models.StatusPending})
		if err != nil || n != 1 {
			t.Fatalf("apply the newer update: %d, %v", n, err)
		}
	})
	if n, err := w.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("drained %d, want the older update alone: %v", n, err)
	}
	if redone != 1 || written != 0 {
		t.Errorf("batches written from their snapshot %d, applied again %d; want 0 and 1", written, redone)
	}
	var names []string
	store.Read.Raw("SELECT first_name FROM report_fans").Scan(&names)
	if len(names) != 1 || names[0] != "Two" {
		t.Errorf("fans %q, want one, named by the newest update: Two", names)
	}

	// Nothing in between: the next batch is written as applied.
	accept(t, store, samUpdated("m-3", "Three", "2025-01-04T10:00:00UTC"))
	if n, err := w.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("drained %d: %v", n, err)
	}
	if written != 1 {
		t.Errorf("batches written from their snapshot %d, want 1", written)
	}
	store.Read.Raw("SELECT first_name FROM report_fans").Scan(&names)
	if len(names) != 1 || names[0] != "Three" {
		t.Errorf("fans %q, want one, named Three", names)
	}
}
