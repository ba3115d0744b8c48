package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// The inbox's pace follows how far behind the worker is, and a worker that
// found nothing left is not behind: a pace read from a stale figure would
// slow every webhook after a burst for good.
func TestInboxPaceFollowsTheBacklog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		var ds []delivery
		for k := range 5 {
			ds = append(ds, delivery{"fixr", []byte(`{"event":"customer_updated","message_id":"p` + string(rune('a'+k)) +
				`","created":"2024-01-01T00:00:00Z","payload":{"email":"p@example.com"}}`)})
		}
		accept(t, store, ds...)
		// Now is ten seconds after the deliveries were received.
		w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{BatchSize: 2,
			Now: func() time.Time { return receivedAt.Add(10 * time.Second) }})
		var paces []time.Duration
		for {
			n, err := sync.ApplyPendingBatch(context.Background(), w)
			if err != nil {
				t.Fatal(err)
			}
			paces = append(paces, w.InboxPace())
			if n == 0 {
				break
			}
		}
		if paces[0] != 3*time.Millisecond || paces[len(paces)-1] != 0 || w.Behind() != 0 {
			t.Errorf("paces %v, behind at the end %v; want 3ms while 10 s behind, 0 once drained", paces, w.Behind())
		}
	})
}
