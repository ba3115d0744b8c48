package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
)

// WorkerOptions tune the worker; zero values are sensible.
type WorkerOptions struct {
	BatchSize int // deliveries claimed per transaction (default 600 on PostgreSQL, 64 on SQLite)
	// MaxBatchTime ends a transaction early (default 10ms on SQLite, where
	// the worker shares the single writer connection with the inbox and a
	// long transaction would stall every webhook; 200ms on PostgreSQL).
	// On PostgreSQL without Yield a worker applies every delivery it
	// claims, since it marks them processed before it takes the model lock
	// (batch.go); there it bounds replays.
	MaxBatchTime time.Duration
	PollInterval time.Duration // how often to look for work when not woken (default 250ms)
	// Concurrency is how many transactions Run keeps in flight (default 1
	// on SQLite, which has one writer; 2 on PostgreSQL, where one claims
	// and parses its batch while the other holds the model lock).
	Concurrency int
	// Yield, when set, is asked between deliveries once a transaction has
	// spent MinBatchTime applying (longer when the worker is behind: see
	// yieldAfter); true ends the transaction early. On SQLite the inbox
	// uses it to take the one writer connection first, so a burst of
	// webhooks is not queued behind normalization.
	Yield        func() bool
	MinBatchTime time.Duration // default 1ms
	// Idle, when set, tells that no webhook arrived lately: the worker
	// then claims four times BatchSize, with four times MaxBatchTime.
	Idle func() bool
	// ParseAhead, on SQLite with one worker loop, claims and parses the
	// next batch on a reader while this one is applied on the writer, so
	// a second core does the parsing (batch_ahead.go). For `fanhook
	// import`, where nothing else wants the other core.
	ParseAhead bool
	// OnDone is told the outcome of every delivery applied (metrics).
	OnDone func(provider, status string)
	// OnSnapshot is told, for each SQLite batch applied on a read
	// snapshot, whether it was written as applied or had to be applied
	// again on the writer (batch_snapshot.go; metrics).
	OnSnapshot func(written bool)
	Now        func() time.Time
}

// maxTransientAttempts bounds retries of a delivery that keeps hitting a
// conflict with another worker before it is marked failed.
const maxTransientAttempts = 5

// Worker normalizes stored deliveries. Several workers, in one process or
// in several replicas on one PostgreSQL database, each claim different
// deliveries (FOR UPDATE SKIP LOCKED), so each is applied once.
type Worker struct {
	store *models.Store
	log   zerolog.Logger
	opts  WorkerOptions
	wake  chan struct{}

	parsedMu gosync.Mutex
	parsed   map[int64]parsedDelivery // claimed, parsed, not applied yet
	ahead    chan struct{}            // closed when the parse ahead is done
	ids      sequenceIDs
	// alwaysCareful applies row by row in SQL, without the batch's cache:
	// the reference the tests hold the cache to (export_test.go).
	alwaysCareful bool
	// beforeSnapshotWrite, in tests, runs between a batch's snapshot and
	// its turn on the writer; afterClaim, between its claim and the model
	// lock.
	beforeSnapshotWrite, afterClaim func()
	// failApplying, in tests, fails applying the deliveries it picks.
	failApplying func(body []byte) bool
	imports      importSharing // StoreAndApply's view of other writers
	// behind is how long the last batch's oldest delivery had waited
	// (nanoseconds; claimSize).
	behind atomic.Int64
}

// Behind is how long the oldest delivery of the last batch claimed had
// waited; 0 once a claim finds nothing.
func (w *Worker) Behind() time.Duration { return time.Duration(w.behind.Load()) }

// InboxPace is backpressure for serve's inbox on PostgreSQL (its Pace):
// nothing until normalization is paceFrom behind, then 1 ms before each
// commit for every second beyond, at most paceMax. The webhooks of a burst
// then gather into fewer, larger commits and leave the cores a little more
// to normalization, so the backlog a burst leaves drains within seconds.
// The load tool's 10 s burst, alternated with the build without it: 0.123-
// 0.131 of the ceiling, p99 19.4-21.7 ms, drained in 3.8-4.6 s, against
// 0.133-0.138, 19.9-21.4 ms and 5.0-5.4 s (BENCHMARKS.md). Below paceFrom,
// as at half the peak rate, it costs nothing.
func (w *Worker) InboxPace() time.Duration {
	over := w.Behind() - paceFrom
	if over <= 0 {
		return 0
	}
	return min(paceMax, over/1000)
}

const (
	paceFrom = 2 * time.Second
	paceMax  = 3 * time.Millisecond
)

// NewWorker returns a worker; Run it, or call Drain or Replay directly.
func NewWorker(store *models.Store, log zerolog.Logger, opts WorkerOptions) *Worker {
	if opts.BatchSize <= 0 {
		// On PostgreSQL each batch holds the model lock through a fixed
		// round of bulk reads and multi-row writes: 600 rather than 200
		// drained the load tool's burst at ~2,400 instead of ~2,000/s and
		// roughly halved the lag at a steady 1,450/s, for ~13 MB more
		// peak RSS; 1,000 was no faster and took 80 MB. SQLite's
		// transactions end after 10ms, about 40 deliveries: a larger
		// claim would read bodies only to leave them.
		opts.BatchSize = 600
		if store.Dialect == models.DialectSQLite {
			opts.BatchSize = 64
		}
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 250 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
		if store.Dialect == models.DialectPostgres {
			opts.Concurrency = 2
		}
	}
	if store.Dialect != models.DialectSQLite || opts.Concurrency != 1 {
		opts.ParseAhead = false // one applying loop owns the parse ahead
	}
	if opts.MinBatchTime <= 0 {
		opts.MinBatchTime = 1 * time.Millisecond
	}
	if opts.MaxBatchTime <= 0 {
		opts.MaxBatchTime = 200 * time.Millisecond
		if store.Dialect == models.DialectSQLite {
			opts.MaxBatchTime = 10 * time.Millisecond
		}
	}
	return &Worker{store: store, log: log, opts: opts, wake: make(chan struct{}, 1),
		parsed: map[int64]parsedDelivery{}}
}

// Wake tells the worker new deliveries are committed.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run applies pending deliveries until ctx is cancelled; a batch in progress
// is finished, not abandoned.
func (w *Worker) Run(ctx context.Context) error {
	var wg gosync.WaitGroup
	for range w.opts.Concurrency {
		wg.Go(func() { w.runLoop(ctx) })
	}
	wg.Wait()
	w.awaitAhead()
	return nil
}

func (w *Worker) runLoop(ctx context.Context) {
	ticker := time.NewTicker(w.opts.PollInterval)
	defer ticker.Stop()
	for {
		w.deferToIngest()
		n, err := w.applyPendingBatch(context.WithoutCancel(ctx))
		if err != nil {
			w.log.Error().Err(err).Msg("normalize batch")
		}
		if err == nil && n > 0 && ctx.Err() == nil {
			w.Wake() // more may be waiting: let an idle loop help
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-ticker.C:
		}
	}
}

// deferToIngest lets webhooks waiting for their commit go first: on SQLite
// the worker and the inbox share one connection, and a burst should be
// acknowledged before it is normalized. It waits at most 5ms, so the
// worker keeps up under sustained load.
func (w *Worker) deferToIngest() {
	if w.opts.Yield == nil {
		return
	}
	for i := 0; i < 10 && w.opts.Yield(); i++ {
		time.Sleep(500 * time.Microsecond)
	}
}

// Drain applies every pending delivery now and returns how many it applied.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	var (
		wg    gosync.WaitGroup
		mu    gosync.Mutex
		total int
		errs  []error
	)
	for range w.opts.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				n, err := w.applyPendingBatch(ctx)
				mu.Lock()
				total += n
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if err != nil || n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	w.awaitAhead()
	if len(errs) == 0 {
		errs = append(errs, ctx.Err())
	}
	return total, errors.Join(errs...)
}

// pendingQuery claims the oldest pending deliveries; on PostgreSQL,
// lockedPendingQuery also locks them, so that no other worker applies them
// while this batch runs.
const (
	pendingQuery       = claimSelect + ` WHERE status = 'pending' ORDER BY id LIMIT ?`
	lockedPendingQuery = pendingQuery + " FOR UPDATE SKIP LOCKED"
)

// claimedDelivery is what the worker reads of a delivery.
type claimedDelivery struct {
	ID         int64
	Provider   string
	Body       []byte
	ReceivedAt time.Time
	Attempts   int
	PurgedAt   *time.Time
}

func (w *Worker) applyPendingBatch(ctx context.Context) (int, error) {
	q := pendingQuery
	if w.store.Dialect == models.DialectPostgres {
		q = lockedPendingQuery
	}
	limit, maxTime := w.claimSize()
	n, _, err := w.applyClaimed(ctx, maxTime, q, limit)
	return n, err
}

// claimSize is how many pending deliveries a batch claims, and how long it
// may spend applying them.
func (w *Worker) claimSize() (int, time.Duration) {
	limit, maxTime := w.opts.BatchSize, w.opts.MaxBatchTime
	switch {
	case w.opts.Idle != nil && w.opts.Idle():
		// No webhook for a while: catch up in larger, longer transactions,
		// whose fixed cost (claim, bulk reads, commit) is spread over more
		// deliveries. Four times: with batches applied on snapshots, eight
		// drained the load tool's burst backlog no faster (~4,800/s) and
		// held a fifth more memory (peak RSS 97-101 MB against 90-92).
		return limit * 4, maxTime * 4
	case w.opts.Yield != nil && time.Duration(w.behind.Load()) > time.Second && !w.opts.Yield():
		// Behind by over a second under steady webhooks, which never
		// leave the inbox idle: twice the claim while no webhook waits
		// for the writer. At a steady 2,400 webhooks/s on SQLite (half
		// the burst's peak) the lag's p99 was 491 / 160 ms against
		// 2,499 / 68 ms; the burst left 3 s of backlog instead of 4-5,
		// for a p99 of 28.6-29.4 ms against 23.5-29.0. Four times the
		// claim past half a second cost the burst a quarter of its
		// webhooks and 20 ms of p99.
		return limit * 2, maxTime * 2
	}
	return limit, maxTime
}

// isTransient tells conflicts with a concurrent worker (unique races,
// deadlocks, serialization failures) from errors a retry cannot fix.
func isTransient(err error) bool {
	if errors.Is(err, errIdentityRace) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"deadlock", "could not serialize", "duplicate key", "unique constraint",
		"database is locked", "sqlstate 40", "sqlstate 23505"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// safeError keeps a log line free of personal data: parser and database
// errors can quote values, so only the error's first clause is logged.
func safeError(err error) string {
	msg := err.Error()
	if i := strings.IndexAny(msg, "\"'"); i >= 0 {
		msg = msg[:i] + "…"
	}
	return msg
}

// ReplayFilter picks deliveries to normalize again.
type ReplayFilter struct {
	ID       int64
	Status   string // failed, pending, all (default: failed, or any status with ID; ignored too with all)
	Provider string
}

// Replay applies the matching deliveries again, now, and returns how many.
// Normalization is idempotent, so replaying processed deliveries is safe.
func (w *Worker) Replay(ctx context.Context, f ReplayFilter) (int, error) {
	var conds []string
	var args []any
	if f.ID != 0 {
		conds = append(conds, "id = ?")
		args = append(args, f.ID)
	}
	switch f.Status {
	case "":
		// The default: the failed ones, or the one delivery asked for by id.
		if f.ID == 0 {
			conds = append(conds, "status = 'failed'")
		}
	case models.StatusFailed, models.StatusPending, models.StatusProcessed, models.StatusIgnored:
		conds = append(conds, "status = ?")
		args = append(args, f.Status)
	case "all":
	default:
		return 0, fmt.Errorf("replay: unknown status %q (failed, pending, all)", f.Status)
	}
	if f.Provider != "" {
		conds = append(conds, "provider = ?")
		args = append(args, f.Provider)
	}
	where := "1 = 1"
	if len(conds) > 0 {
		where = strings.Join(conds, " AND ")
	}
	total := 0
	var after int64
	for {
		q := claimSelect + ` WHERE ` + where + ` AND id > ? ORDER BY id LIMIT ?`
		if w.store.Dialect == models.DialectPostgres {
			// Locked at the claim, before the model lock, as a worker locks
			// its own: a replay that took the model lock and then waited
			// for rows a worker held, while the worker waited for the model
			// lock, ended in a deadlock. A row a worker holds is being
			// applied by it, and is skipped.
			q += " FOR UPDATE SKIP LOCKED"
		}
		n, last, err := w.applyClaimed(ctx, w.opts.MaxBatchTime, q, append(append([]any{}, args...), after, w.opts.BatchSize)...)
		total += n
		if err != nil {
			return total, fmt.Errorf("replay: %w", err)
		}
		if n == 0 {
			return total, nil
		}
		after = last
	}
}
