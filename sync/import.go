package sync

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/fanhook/fanhook/models"
)

// An import used to store its file's deliveries as pending and let the
// worker claim, read back, apply and mark them. Each delivery's row (its
// 1.2 KB body) was then written twice, its status indexes three times, and
// on PostgreSQL the marking could not be a HOT update, so every index of
// the table took a second entry. StoreAndApply instead inserts a batch's
// new deliveries already processed and applies them in the same
// transaction: their rows are written once, with their final status.

// ImportBatch is a batch of an import's deliveries, prepared (dedup key,
// checksum) and parsed: work that needs no database, so that it can be
// done on one core while another batch is applied on the other.
type ImportBatch struct {
	deliveries []*models.Delivery
	parsed     []parsedDelivery
}

// PrepareImport prepares and parses ds.
func PrepareImport(ds []*models.Delivery) *ImportBatch {
	b := &ImportBatch{deliveries: ds, parsed: make([]parsedDelivery, len(ds))}
	for k, d := range ds {
		PrepareDelivery(d)
		d.Status, d.Attempts = models.StatusProcessed, 1
		facts, err := ParseDelivery(d.Provider, d.Body, d.ReceivedAt)
		b.parsed[k] = parsedDelivery{facts: facts, err: err}
	}
	return b
}

// Len is how many deliveries the batch holds.
func (b *ImportBatch) Len() int { return len(b.deliveries) }

// StoreAndApply stores the batch's deliveries, deduplicated like webhooks,
// and applies the new ones in the same transaction. It returns how many
// were new. A duplicate is not applied again: if it is still pending, the
// worker applies it. When a delivery fails to apply, the transaction is
// rolled back and the batch stored and applied again, one delivery under
// a savepoint at a time, so that it fails alone (as applyClaimed does). A
// savepoint after the insert would spare inserting again, but SQLite then
// journals every page the batch changes: an import took 58 s and 1.5 GB
// instead of 37 s and 0.5 GB.
//
// One batch at a time: on PostgreSQL, a second batch inserting its
// deliveries while the first applied its own was no faster (200,000
// lines: 38.8 / 42.4 s against 39.3 / 38.3 s), since applying is a
// back-and-forth between Go and the backend that the insert slowed.
//
// Beside another writer on SQLite, the batch is committed in parts
// (import_shared.go). Calls must not overlap.
func (w *Worker) StoreAndApply(ctx context.Context, b *ImportBatch) (int, error) {
	if err := w.noteOtherWriters(ctx); err != nil {
		return 0, err
	}
	total := 0
	for _, part := range w.importParts(b) {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		// On SQLite an interrupt stops the import between transactions,
		// not inside one: given a context that can be cancelled,
		// go-sqlite3 runs every statement and every row read on a
		// goroutine of its own and waits for it, as serve's worker found
		// before. 200,000 lines took 34.7 / 37.5 / 35.5 / 37.2 s against
		// 38.7 / 41.9 / 44.8 / 39.7 s, alternated, with a third of the
		// context switches. PostgreSQL keeps the context, so that an
		// interrupt also ends a wait for the model lock (pgx watches a
		// context without a goroutine).
		txCtx := uncancelledOnSQLite(ctx, w.store.Dialect)
		n, err := w.storeAndApply(txCtx, part, w.alwaysCareful)
		if errors.Is(err, errRetryCarefully) {
			n, err = w.storeAndApply(txCtx, part, true)
		}
		total += n
		if err != nil {
			return total, err
		}
		if w.imports.otherWriters {
			time.Sleep(sharedImportPause)
		}
	}
	return total, nil
}

func (w *Worker) storeAndApply(ctx context.Context, b *ImportBatch, careful bool) (int, error) {
	now := w.opts.Now().UTC()
	for _, d := range b.deliveries {
		d.ProcessedAt = &now
	}
	tx, err := beginSQLTx(ctx, w.store)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.tx.Rollback()
	if err := lockModelForBatch(tx); err != nil {
		return 0, err
	}
	results, err := insertImported(ctx, tx, b.deliveries)
	if err != nil {
		return 0, err
	}
	var fresh []parsedDelivery
	for k, r := range results {
		if r.duplicate {
			continue
		}
		p := b.parsed[k]
		d := b.deliveries[k]
		p.d = claimedDelivery{ID: r.id, Provider: d.Provider, Body: d.Body, ReceivedAt: d.ReceivedAt}
		fresh = append(fresh, p)
	}
	outcomes, err := w.applyAll(tx, fresh, careful, now)
	if err != nil {
		return 0, err
	}
	if err := tx.tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	tx.afterCommit(w.store)
	w.reportOutcomes(outcomes)
	return len(fresh), nil
}

// applyAll applies every delivery given and records the exceptions, at
// the time the deliveries were stored as processed.
func (w *Worker) applyAll(tx *sqlTx, fresh []parsedDelivery, careful bool, now time.Time) ([]outcome, error) {
	if !careful {
		tx.cache = newBatchCache(now, &w.ids)
	}
	// No time limit: every new delivery is stored as processed, so every
	// one must be applied in this transaction.
	outcomes, _, err := w.applyParsed(tx, fresh, careful, math.MaxInt64, now)
	if err != nil {
		return nil, err
	}
	if len(outcomes) != len(fresh) {
		return nil, fmt.Errorf("import: %d of %d deliveries applied", len(outcomes), len(fresh))
	}
	if tx.cache != nil {
		if err := tx.cache.flush(tx); err != nil {
			return nil, errRetryCarefully
		}
		tx.cache = nil
	}
	return outcomes, markExceptions(tx, outcomes)
}

// insertImported inserts ds in statements of at most maxInsertRows rows:
// SQLite takes at most 32,766 parameters a statement.
func insertImported(ctx context.Context, tx *sqlTx, ds []*models.Delivery) ([]inboxResult, error) {
	var results []inboxResult
	for start := 0; start < len(ds); start += maxInsertRows {
		r, err := insertDeliveryRows(ctx, tx.tx, tx.dialect, ds[start:min(len(ds), start+maxInsertRows)], false)
		if err != nil {
			return nil, err
		}
		results = append(results, r...)
	}
	return results, nil
}

const maxInsertRows = 1000

// markExceptions records the outcomes other than processed, the status
// the deliveries already have (an import stores them so; a PostgreSQL
// worker marks its claim so before it takes the model lock): ignored,
// failed with its error, or pending again after a conflict with a
// concurrent worker.
// Those without an error (ignored) take one statement per status, as in
// markDeliveries; failures one each, with their error.
func markExceptions(tx *sqlTx, outcomes []outcome) error {
	plain := map[string][]int64{}
	for _, o := range outcomes {
		switch {
		case o.status == models.StatusProcessed && o.err == nil:
		case o.err == nil:
			plain[o.status] = append(plain[o.status], o.d.ID)
		default:
			if _, err := tx.exec(`UPDATE deliveries SET status = ?, error = ? WHERE id = ?`,
				o.status, o.err.Error(), o.d.ID); err != nil {
				return fmt.Errorf("mark delivery %d: %w", o.d.ID, err)
			}
		}
	}
	for status, ids := range plain {
		join, set, err := idSetJoin(tx.dialect, ids)
		if err != nil {
			return err
		}
		q := `UPDATE deliveries SET status = ?, error = '' WHERE id IN (SELECT t.id FROM deliveries t ` + join + `)`
		if _, err := tx.exec(q, append([]any{status}, set...)...); err != nil {
			return fmt.Errorf("mark deliveries %s: %w", status, err)
		}
	}
	return nil
}
