package sync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/fanhook/fanhook/models"
)

// errRetryCarefully aborts a fast batch: one delivery failed to apply, so
// the batch runs again with a savepoint around each delivery.
var errRetryCarefully = errors.New("a delivery failed: batch retried with savepoints")

// applyClaimed selects deliveries with q inside one transaction and applies
// them. The fast path uses no savepoints (two statements per delivery
// saved); when any delivery fails to apply, the transaction is rolled back
// and the batch is applied again, each delivery under its own savepoint,
// so that one bad delivery fails alone.
func (w *Worker) applyClaimed(ctx context.Context, maxTime time.Duration, q string, args ...any) (n int, lastID int64, err error) {
	n, lastID, err = w.applyBatch(ctx, w.alwaysCareful, maxTime, q, args...)
	if errors.Is(err, errRetryCarefully) {
		return w.applyBatch(ctx, true, maxTime, q, args...)
	}
	return n, lastID, err
}

// outcome is what became of one delivery in a batch.
type outcome struct {
	d      claimedDelivery
	status string
	err    error
	kept   bool // purged: nothing applied, and the row keeps its status and error
}

func (w *Worker) applyBatch(ctx context.Context, careful bool, maxTime time.Duration, q string, args ...any) (n int, lastID int64, err error) {
	// On SQLite the batch is read and parsed before the one writer
	// connection is taken (the worker is the only one to change a pending
	// delivery's status), so webhooks never wait on parsing; PostgreSQL
	// claims inside the transaction, FOR UPDATE SKIP LOCKED, so that
	// workers and replicas never share one.
	var parsed []parsedDelivery
	if w.store.Dialect == models.DialectSQLite {
		batch, err := claim(ctx, w.store.ReadSQL(), w.store.Dialect, q, args...)
		if err != nil {
			return 0, 0, err
		}
		if len(batch) == 0 {
			w.behind.Store(0)
			return 0, 0, nil
		}
		w.awaitAhead()
		parsed = w.parseBatch(batch)
		if w.opts.ParseAhead && q == pendingQuery {
			w.parseAhead(ctx, batch[len(batch)-1].ID)
		}
		if w.afterClaim != nil {
			w.afterClaim()
		}
	}
	if w.store.Dialect == models.DialectSQLite && !careful && w.opts.Yield != nil {
		if n, lastID, done, err := w.applyOnSnapshot(ctx, parsed, maxTime); done {
			return n, lastID, err
		}
	}
	tx, err := beginSQLTx(ctx, w.store)
	if err != nil {
		return 0, 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.tx.Rollback()
	now := w.opts.Now().UTC()
	premarked := false
	if w.store.Dialect == models.DialectPostgres {
		batch, err := claim(ctx, tx.tx, w.store.Dialect, q, args...)
		if err != nil {
			return 0, 0, err
		}
		parsed = w.parseBatch(batch)
		if w.afterClaim != nil {
			w.afterClaim()
		}
		if premarked, err = w.markBeforeLock(tx, q, parsed, now); err != nil {
			return 0, 0, err
		}
		if premarked {
			maxTime = math.MaxInt64
		}
	}
	if err := lockModelForBatch(tx); err != nil {
		return 0, 0, err
	}
	// SQLite's claim, read before the writer, locked nothing: it may hold
	// deliveries another worker applied since (batch_claimed.go). Claimed
	// again now, no other worker can apply. PostgreSQL's claims, a
	// worker's and a replay's, lock their rows before the model lock.
	if w.store.Dialect == models.DialectSQLite {
		stale, err := claimIsStale(tx, parsed)
		if err != nil {
			return 0, 0, err
		}
		if stale {
			batch, err := claim(ctx, tx.tx, w.store.Dialect, q, args...)
			if err != nil {
				return 0, 0, err
			}
			parsed = w.parseBatch(batch)
		}
	}
	if !careful {
		tx.cache = newBatchCache(now, &w.ids)
	}
	outcomes, lastID, err := w.applyParsed(tx, parsed, careful, maxTime, now)
	if err != nil {
		return 0, 0, err
	}
	if err := w.commitBatch(tx, outcomes, now, premarked); err != nil {
		return 0, 0, err
	}
	return len(outcomes), lastID, nil
}

// applyParsed applies the parsed deliveries in order until maxTime is
// spent applying, or webhooks are waiting for the writer this transaction
// holds (Yield), and returns what became of each one applied.
func (w *Worker) applyParsed(tx *sqlTx, parsed []parsedDelivery, careful bool, maxTime time.Duration, now time.Time) (outcomes []outcome, lastID int64, err error) {
	holdsWriter := !tx.snapshot && w.opts.Yield != nil
	// Rows are read in bulk for the next window of deliveries: all of
	// them, or 16 at a time when webhooks may cut the transaction short.
	window := len(parsed)
	if holdsWriter {
		window = 16
	}
	prefetched := 0
	var applying time.Duration // the budget counts applying, not reading
	var yieldAfter time.Duration
	if len(parsed) > 0 {
		yieldAfter = w.yieldAfter(parsed[0].d.ReceivedAt)
		w.behind.Store(int64(w.opts.Now().Sub(parsed[0].d.ReceivedAt)))
	} else {
		w.behind.Store(0) // nothing pending: not behind
	}
	for i, p := range parsed {
		if tx.cache != nil && i >= prefetched {
			prefetched = min(len(parsed), i+window)
			if err := tx.cache.prefetch(tx, batchFacts(parsed[i:prefetched])); err != nil {
				return nil, 0, errRetryCarefully
			}
		}
		started := time.Now()
		o, err := w.applyOne(tx, p, careful, now)
		if err != nil {
			return nil, 0, err
		}
		applying += time.Since(started)
		outcomes = append(outcomes, o)
		lastID = p.d.ID
		if applying > maxTime || (applying > yieldAfter && holdsWriter && w.opts.Yield()) {
			break // the rest is claimed again by the next transaction
		}
	}
	return outcomes, lastID, nil
}

// commitBatch writes what the batch's cache holds, marks the deliveries
// (only the exceptions, if they were premarked processed) and commits,
// then reports the outcomes.
func (w *Worker) commitBatch(tx *sqlTx, outcomes []outcome, now time.Time, premarked bool) error {
	if tx.cache != nil {
		if err := tx.cache.flush(tx); err != nil {
			return errRetryCarefully
		}
		tx.cache = nil
	}
	var err error
	if premarked {
		err = markExceptions(tx, outcomes)
	} else {
		err = markDeliveries(tx, outcomes, now)
	}
	if err != nil {
		return err
	}
	if err := tx.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	tx.afterCommit(w.store)
	w.forgetParsed(outcomes)
	w.reportOutcomes(outcomes)
	return nil
}

// reportOutcomes logs the deliveries a committed batch could not apply and
// tells OnDone every outcome.
func (w *Worker) reportOutcomes(outcomes []outcome) {
	for _, o := range outcomes {
		if o.err != nil {
			w.log.Warn().Int64("delivery_id", o.d.ID).Str("provider", o.d.Provider).Str("status", o.status).
				Msg("delivery not applied: " + safeError(o.err))
		}
		if w.opts.OnDone != nil && o.status != models.StatusPending && !o.kept {
			w.opts.OnDone(o.d.Provider, o.status)
		}
	}
}

// yieldAfter is how long a transaction applies before it lets webhooks
// waiting for the writer go first: MinBatchTime, plus 1 ms for every 50 ms
// the batch's oldest delivery has waited, up to MaxBatchTime. A worker that
// falls behind thus takes longer transactions, whose fixed cost (bulk
// reads, commit) is spread over more deliveries, until it catches up. With
// MinBatchTime alone, SQLite took transactions of ~10 deliveries under a
// steady 1,000 webhooks/s and fell behind by 0.4-0.8 s (p99; 7.7 s at
// 1,350/s); with this, 55-80 ms (0.6-2.6 s at 1,350/s). The load tool's
// 10 s burst then left ~3,000-4,500 pending, normalized within 2 s, instead
// of ~15,000 over 6-7 s, but was acknowledged at ~1,600-2,000/s instead of
// ~2,300-2,600/s.
func (w *Worker) yieldAfter(oldest time.Time) time.Duration {
	behind := w.opts.Now().Sub(oldest)
	return min(w.opts.MaxBatchTime, max(w.opts.MinBatchTime, w.opts.MinBatchTime+behind/50))
}

func batchFacts(parsed []parsedDelivery) []Facts {
	var facts []Facts
	for _, p := range parsed {
		if p.err == nil && !p.skip {
			facts = append(facts, p.facts)
		}
	}
	return facts
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// claimSelect reads what claim scans; every claiming query starts with it.
const claimSelect = `SELECT id, provider, body, received_at, attempts, purged_at FROM deliveries`

func claim(ctx context.Context, db queryer, dialect, q string, args ...any) ([]claimedDelivery, error) {
	rows, err := db.QueryContext(ctx, rebind(dialect, q), args...)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	var batch []claimedDelivery
	for rows.Next() {
		var d claimedDelivery
		if err := rows.Scan(&d.ID, &d.Provider, &d.Body, &d.ReceivedAt, &d.Attempts, &d.PurgedAt); err != nil {
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
		batch = append(batch, d)
	}
	return batch, rows.Err()
}

// parsedDelivery is a claimed delivery with what its body says.
type parsedDelivery struct {
	d     claimedDelivery
	facts Facts
	err   error
	skip  bool // purged: nothing to apply
}

func parseClaimed(d claimedDelivery) parsedDelivery {
	if d.Body == nil || d.PurgedAt != nil {
		// A purged body cannot be applied again; the data it made stays.
		return parsedDelivery{d: d, skip: true}
	}
	facts, err := ParseDelivery(d.Provider, d.Body, d.ReceivedAt)
	return parsedDelivery{d: d, facts: facts, err: err}
}

// applyOne applies one delivery. Its own failures become its outcome; the
// error returned is the transaction's (or errRetryCarefully).
func (w *Worker) applyOne(tx *sqlTx, p parsedDelivery, careful bool, now time.Time) (outcome, error) {
	d := p.d
	o := outcome{d: d, status: models.StatusProcessed}
	switch {
	case p.skip:
		// Replaying an ignored delivery whose body was purged must not
		// call it processed, nor wipe why an erasure ignored it.
		o.kept = true
		return o, nil
	case p.err != nil:
		o.status, o.err = models.StatusFailed, p.err
		return o, nil
	case p.facts.Ignored:
		o.status = models.StatusIgnored
		return o, nil
	}
	if !careful {
		if err := w.applyFacts(tx, p, now); err != nil {
			return o, errRetryCarefully
		}
		return o, nil
	}
	if err := tx.execPrepared("SAVEPOINT apply_delivery"); err != nil {
		return o, fmt.Errorf("savepoint: %w", err)
	}
	if o.err = w.applyFacts(tx, p, now); o.err != nil {
		if err := tx.execPrepared("ROLLBACK TO SAVEPOINT apply_delivery"); err != nil {
			return o, fmt.Errorf("rollback delivery %d: %w (after %v)", d.ID, err, o.err)
		}
		o.status = models.StatusFailed
		if isTransient(o.err) && d.Attempts+1 < maxTransientAttempts {
			o.status = models.StatusPending
		}
	}
	if err := tx.execPrepared("RELEASE SAVEPOINT apply_delivery"); err != nil {
		return o, fmt.Errorf("release savepoint: %w", err)
	}
	return o, nil
}

func (w *Worker) applyFacts(tx *sqlTx, p parsedDelivery, now time.Time) error {
	if w.failApplying != nil && w.failApplying(p.d.Body) {
		return errors.New("failed by the test")
	}
	return applyFacts(tx, p.d.ID, p.d.Attempts == 0, p.facts, now)
}

// markDeliveries records the outcomes: the usual ones (processed, ignored)
// in one statement per status, failures one by one with their error.
func markDeliveries(tx *sqlTx, outcomes []outcome, now time.Time) error {
	ok := map[string][]int64{}
	for _, o := range outcomes {
		if o.kept {
			continue
		}
		if o.err == nil {
			ok[o.status] = append(ok[o.status], o.d.ID)
			continue
		}
		if _, err := tx.exec(`UPDATE deliveries SET status = ?, error = ?, attempts = attempts + 1, processed_at = ?
			WHERE id = ?`, o.status, o.err.Error(), now, o.d.ID); err != nil {
			return fmt.Errorf("mark delivery %d: %w", o.d.ID, err)
		}
	}
	for status, ids := range ok {
		if err := markStatus(tx, status, ids, now); err != nil {
			return err
		}
	}
	return nil
}

// markBeforeLock marks a PostgreSQL worker's claimed deliveries processed
// before its transaction takes the model lock, while another batch holds
// it: the claim is locked (FOR UPDATE SKIP LOCKED), and the exceptions
// are recorded after applying (markExceptions). Marking had taken a tenth
// of the time the lock was held. Every claimed delivery must then be
// applied: no time limit, and no yielding (serve sets Yield on SQLite
// only). A burst, alternated with the build that marked them under the
// lock: its backlog drained in 3.6-4.0 s against 4.75-5.33 s, and
// webhooks got 0.120-0.126 of the ceiling against 0.124-0.134, p99
// 23.1-24.4 against 20.2-23.4 ms, as normalization took more of the cores.
func (w *Worker) markBeforeLock(tx *sqlTx, q string, parsed []parsedDelivery, now time.Time) (bool, error) {
	if q != lockedPendingQuery || len(parsed) == 0 || w.opts.Yield != nil {
		return false, nil
	}
	return true, markProcessed(tx, parsed, now)
}

// markProcessed marks every parsed delivery processed, as applied once.
func markProcessed(tx *sqlTx, parsed []parsedDelivery, now time.Time) error {
	ids := make([]int64, len(parsed))
	for k, p := range parsed {
		ids[k] = p.d.ID
	}
	return markStatus(tx, models.StatusProcessed, ids, now)
}

// markStatus gives the deliveries ids status, as applied once more.
func markStatus(tx *sqlTx, status string, ids []int64, now time.Time) error {
	join, set, err := idSetJoin(tx.dialect, ids)
	if err != nil {
		return err
	}
	q := `UPDATE deliveries SET status = ?, error = '', attempts = attempts + 1, processed_at = ?
		WHERE id IN (SELECT t.id FROM deliveries t ` + join + `)`
	if _, err := tx.exec(q, append([]any{status, now}, set...)...); err != nil {
		return fmt.Errorf("mark deliveries %s: %w", status, err)
	}
	return nil
}
