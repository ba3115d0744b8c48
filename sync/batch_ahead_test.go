package sync

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// While a batch is applied, the next one is claimed and parsed; the next
// transaction finds it parsed, and the drain still applies everything once.
func TestParseAheadParsesTheNextBatch(t *testing.T) {
	for _, ahead := range []bool{false, true} {
		t.Run(fmt.Sprintf("ahead=%v", ahead), func(t *testing.T) {
			store := storetest.Open(t, models.DialectSQLite)
			ds := make([]*models.Delivery, 20)
			for i := range ds {
				body := fmt.Appendf(nil, `{"event":"customer_updated","message_id":"m-%d","payload":{"email":"fan%d@example.com"}}`, i, i)
				ds[i] = &models.Delivery{Provider: "fixr", Body: body, ReceivedAt: time.Now()}
			}
			if _, err := ImportDeliveries(context.Background(), store, ds); err != nil {
				t.Fatal(err)
			}
			w := NewWorker(store, zerolog.Nop(), WorkerOptions{BatchSize: 8, ParseAhead: ahead})
			n, last, err := w.applyClaimed(context.Background(), time.Minute, pendingQuery, 8)
			if err != nil || n != 8 {
				t.Fatalf("first batch applied %d: %v", n, err)
			}
			w.awaitAhead()
			var parsedNext int
			for id := last + 1; id <= last+8; id++ {
				if _, ok := w.parsed[id]; ok {
					parsedNext++
				}
			}
			want := 0
			if ahead {
				want = 8
			}
			if parsedNext != want || len(w.parsed) != want {
				t.Errorf("after the first batch %d of the next 8 parsed (%d in all), want %d", parsedNext, len(w.parsed), want)
			}
			if n, err := w.Drain(context.Background()); err != nil || n != 12 {
				t.Fatalf("drain applied %d, want 12: %v", n, err)
			}
			var pending int64
			if err := store.Read.Raw("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'").Scan(&pending).Error; err != nil {
				t.Fatal(err)
			}
			if pending != 0 || len(w.parsed) != 0 {
				t.Errorf("after the drain %d pending, %d parsed kept; want 0 and 0", pending, len(w.parsed))
			}
		})
	}
}
