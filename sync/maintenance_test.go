package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// Replaying deliveries whose bodies retention purged applies nothing and
// changes nothing: an ignored one stays ignored, with its reason.
func TestReplayOfPurgedDeliveriesKeepsTheirStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		ingest(t, store,
			delivery{"fixr", []byte(`{"event":"weird_event","message_id":"w1","created":"2024-01-01T00:00:00Z","payload":{}}`)},
			delivery{"fixr", []byte(`{"event":"customer_updated","message_id":"c1","created":"2024-01-01T00:00:00Z","payload":{"email":"p@example.com"}}`)})
		statuses := func() map[string]string {
			var rows []struct{ EventType, Status string }
			if err := store.Read.Raw("SELECT event_type, status FROM report_deliveries").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, r := range rows {
				out[r.EventType] = r.Status
			}
			return out
		}
		before := statuses()
		if before["weird_event"] != models.StatusIgnored || before["customer_updated"] != models.StatusProcessed {
			t.Fatalf("before the purge: %v", before)
		}
		if n, err := sync.PurgeBodies(context.Background(), store, receivedAt.Add(time.Hour)); err != nil || n != 2 {
			t.Fatalf("purged %d (%v), want 2", n, err)
		}
		replayAll(t, store)
		if after := statuses(); after["weird_event"] != before["weird_event"] || after["customer_updated"] != before["customer_updated"] {
			t.Errorf("after replaying purged deliveries: %v, want %v", after, before)
		}
	})
}
