package sync

import (
	"context"
	"fmt"
	"time"

	"github.com/fanhook/fanhook/models"
)

// PendingCount is the backlog: stored deliveries not yet normalized.
func PendingCount(ctx context.Context, store *models.Store) (int64, error) {
	var n int64
	err := store.Read.WithContext(ctx).Raw("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'").Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count pending: %w", err)
	}
	return n, nil
}

// PurgeBodies drops the raw bodies of processed deliveries received before
// olderThan (retention). The normalized data they produced stays.
func PurgeBodies(ctx context.Context, store *models.Store, olderThan time.Time) (int64, error) {
	res := store.DB.WithContext(ctx).Exec(`UPDATE deliveries SET body = NULL, purged_at = ?
		WHERE status IN ('processed', 'ignored') AND received_at < ? AND body IS NOT NULL`,
		time.Now().UTC(), olderThan.UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("purge bodies: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ImportDeliveries stores deliveries in bulk (backfill), deduplicated like
// webhook deliveries; the worker normalizes them afterwards. It returns how
// many were new.
func ImportDeliveries(ctx context.Context, store *models.Store, ds []*models.Delivery) (int, error) {
	const chunk = 1000
	inserted := 0
	for start := 0; start < len(ds); start += chunk {
		end := min(start+chunk, len(ds))
		for _, d := range ds[start:end] {
			PrepareDelivery(d)
		}
		results, err := insertDeliveries(ctx, store.SQL(), store.Dialect, ds[start:end], false)
		if err != nil {
			return inserted, err
		}
		for _, r := range results {
			if !r.duplicate {
				inserted++
			}
		}
	}
	return inserted, nil
}
