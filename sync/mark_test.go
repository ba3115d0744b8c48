package sync_test

import (
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// The worker records each delivery's outcome once: processed, ignored, or
// failed with its error, each counted as one attempt at the time it was
// applied. On PostgreSQL it marks a batch processed before it takes the
// model lock and then records the exceptions (batch.go: markBeforeLock).
func TestWorkerMarksEachOutcomeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		accept(t, store,
			delivery{"fixr", fixrTicketSold(1, 1)},
			delivery{"fixr", []byte(`{"event":"order_refunded","message_id":"refund-1","created":"2023-09-20T11:11:19UTC"}`)},
			delivery{"fixr", []byte(`{"event":"ticket_sold","message_id":"bad-price","created":"2023-09-20T11:11:19UTC",
					"payload":{"event_id":"1","order_reference":"o-bad","ticket_reference":"t-bad","quantity":1,
					"price":{"amount":"abc","currency":"GBP"},"ticket_holders":[{"email":"bad@example.com"}]}}`)},
		)
		drain(t, store)
		want := map[string]struct {
			status string
			failed bool
		}{
			"msg-1":     {models.StatusProcessed, false},
			"refund-1":  {models.StatusIgnored, false},
			"bad-price": {models.StatusFailed, true},
		}
		for key, w := range want {
			var got struct {
				Status, Error string
				Attempts      int
				Processed     bool
			}
			err := store.Read.Raw(`SELECT status, error, attempts, processed_at IS NOT NULL AS processed
					FROM deliveries WHERE dedup_key LIKE ?`, "%"+key+"%").Scan(&got).Error
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != w.status || (got.Error != "") != w.failed || got.Attempts != 1 || !got.Processed {
				t.Errorf("%s: %+v, want status %s, an error %v, 1 attempt, a processed_at",
					key, got, w.status, w.failed)
			}
		}
	})
}
