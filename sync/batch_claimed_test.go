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
// reader; a replay locks no rows). When another worker applies one of
// them in between, the first must not apply it again from its claim: the
// consent change would be recorded twice.
func TestADeliveryAppliedMeanwhileIsAppliedOnce(t *testing.T) {
	type variant struct {
		name    string
		dialect string
		opts    sync.WorkerOptions
		replay  bool // the late worker replays the pending delivery; the other drains
	}
	yield := func() bool { return false }
	variants := []variant{
		{"drain on snapshots", models.DialectSQLite, sync.WorkerOptions{Yield: yield}, false},
		{"drain on the writer", models.DialectSQLite, sync.WorkerOptions{}, false},
		{"replay", models.DialectSQLite, sync.WorkerOptions{}, true},
	}
	if slices.Contains(storetest.Dialects(), models.DialectPostgres) {
		// On PostgreSQL a pending batch locks its claim; a replay does not.
		variants = append(variants, variant{"replay", models.DialectPostgres, sync.WorkerOptions{}, true})
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
				if err != nil || n != 1 {
					t.Errorf("the other worker applied %d: %v", n, err)
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
