package sync_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// A worker claims deliveries before it holds the model (SQLite claims on a
// reader). When another worker applies one of them in between, the first
// must not apply it again from its claim: the consent change would be
// recorded twice. On PostgreSQL every claim locks its rows, so the other
// worker finds the delivery taken and the first applies it.
func TestADeliveryAppliedMeanwhileIsAppliedOnce(t *testing.T) {
	type variant struct {
		name    string
		dialect string
		opts    sync.WorkerOptions
		replay  bool // the late worker replays the pending delivery; the other drains
		other   int  // how many the other worker applies in between
	}
	yield := func() bool { return false }
	variants := []variant{
		{"drain on snapshots", models.DialectSQLite, sync.WorkerOptions{Yield: yield}, false, 1},
		{"drain on the writer", models.DialectSQLite, sync.WorkerOptions{}, false, 1},
		{"replay", models.DialectSQLite, sync.WorkerOptions{}, true, 1},
	}
	if slices.Contains(storetest.Dialects(), models.DialectPostgres) {
		variants = append(variants, variant{"replay", models.DialectPostgres, sync.WorkerOptions{}, true, 0})
	}
	for _, v := range variants {
		t.Run(v.dialect+"/"+v.name, func(t *testing.T) {
			store := storetest.Open(t, v.dialect)
			ctx := context.Background()
			newWorker := func(opts sync.WorkerOptions) *sync.Worker {
				opts.Now = func() time.Time { return receivedAt }
				return sync.NewWorker(store, zerolog.Nop(), opts)
			}
			accept(t, store, delivery{"fixr", []byte(`{"event":"customer_updated","created":"2025-01-02T10:00:00UTC",
				"message_id":"m-consent","payload":{"email":"sam@example.com","user_uuid":"u-sam",
				"contact_preferences_user_response":"opt_in"}}`)})
			var id int64
			store.Read.Raw("SELECT MAX(id) FROM deliveries").Scan(&id)
			pendingOne := sync.ReplayFilter{ID: id, Status: models.StatusPending}

			late := newWorker(v.opts)
			sync.AfterClaim(late, func() {
				sync.AfterClaim(late, nil)
				other := newWorker(sync.WorkerOptions{})
				var n int
				var err error
				if v.replay {
					n, err = other.Drain(ctx)
				} else {
					n, err = other.Replay(ctx, pendingOne)
				}
				if err != nil || n != v.other {
					t.Errorf("the other worker applied %d: %v; want %d", n, err, v.other)
				}
			})
			var err error
			if v.replay {
				_, err = late.Replay(ctx, pendingOne)
			} else {
				_, err = late.Drain(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			var attempts, consents int64
			store.Read.Raw("SELECT attempts FROM deliveries WHERE id = ?", id).Scan(&attempts)
			store.Read.Raw("SELECT COUNT(*) FROM consent_changes WHERE delivery_id = ?", id).Scan(&consents)
			if attempts != 1 || consents != 1 {
				t.Errorf("delivery applied %d times with %d consent changes; want once, one", attempts, consents)
			}
		})
	}
}
