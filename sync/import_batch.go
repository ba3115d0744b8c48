package sync

import (
	"context"

	"github.com/fanhook/fanhook/models"
)

// An import stores and normalizes each batch of its lines in one
// transaction: a delivery's row is written once, already processed, where
// storing it pending and normalizing it later wrote its page twice and read
// its body back.

// ImportBatch stores ds, deduplicated like webhook deliveries, and
// normalizes the new ones in the same transaction. It returns how many were
// new and how many of those it applied; any it did not reach (the batch
// ran past MaxBatchTime) are committed pending, for Drain.
func (w *Worker) ImportBatch(ctx context.Context, ds []*models.Delivery) (inserted, applied int, err error) {
	for _, d := range ds {
		PrepareDelivery(d)
	}
	src := &batchSource{store: ds}
	applied, _, err = w.applyFrom(ctx, w.opts.MaxBatchTime, src)
	return src.inserted, applied, err
}

// storeBatch inserts the source's deliveries in tx and claims the new ones.
func storeBatch(tx *sqlTx, src *batchSource) ([]claimedDelivery, error) {
	results, err := insertDeliveriesTx(tx.ctx, tx.tx, tx.dialect, src.store, false)
	if err != nil {
		return nil, err
	}
	src.inserted = 0
	var batch []claimedDelivery
	for k, r := range results {
		if r.duplicate {
			continue
		}
		d := src.store[k]
		src.inserted++
		batch = append(batch, claimedDelivery{ID: r.id, Provider: d.Provider, Body: d.Body, ReceivedAt: d.ReceivedAt})
	}
	return batch, nil
}
