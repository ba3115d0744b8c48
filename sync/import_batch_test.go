package sync_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// An import batch stores its new deliveries and normalizes them in one
// transaction: duplicates are skipped, a bad delivery fails alone, and
// running the same batch again changes nothing.
func TestImportBatchStoresAndNormalizes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		ctx := context.Background()
		batch := func() []*models.Delivery {
			bad := bytes.Replace(fixrTicketSold(3, 3), []byte(`"amount":"8.0"`), []byte(`"amount":"abc"`), 1)
			bodies := [][]byte{fixrTicketSold(0, 0), fixrTicketSold(1, 1), fixrTicketSold(0, 0), fixrTicketSold(2, 0), bad}
			ds := make([]*models.Delivery, len(bodies))
			for i, b := range bodies {
				ds[i] = &models.Delivery{Provider: "fixr", Body: b, ReceivedAt: time.Now()}
			}
			return ds
		}
		w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})
		inserted, applied, err := w.ImportBatch(ctx, batch())
		if err != nil || inserted != 4 || applied != 4 {
			t.Fatalf("ImportBatch = %d inserted, %d applied, %v; want 4, 4, nil", inserted, applied, err)
		}
		var statuses []struct {
			Status string
			N      int
		}
		store.Read.Raw("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status ORDER BY status").Scan(&statuses)
		if len(statuses) != 2 || statuses[0].Status != "failed" || statuses[0].N != 1 ||
			statuses[1].Status != "processed" || statuses[1].N != 3 {
			t.Errorf("statuses %+v, want 1 failed and 3 processed", statuses)
		}
		var tickets int64
		store.Read.Raw("SELECT tickets FROM report_fans WHERE fan_id = ?", storetest.LiveFanByEmail(t, store, "fan0@example.com")).Scan(&tickets)
		if tickets != 2 {
			t.Errorf("fan 0 holds %d ticket lines, want 2", tickets)
		}
		inserted, applied, err = w.ImportBatch(ctx, batch())
		if err != nil || inserted != 0 || applied != 0 {
			t.Errorf("the same batch again = %d inserted, %d applied, %v; want 0, 0, nil", inserted, applied, err)
		}
	})
}
