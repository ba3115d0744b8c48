package sync

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
)

// ErrUnavailable means the store cannot take a delivery now (SQLite locked
// past its busy timeout, PostgreSQL down): the provider should retry.
var ErrUnavailable = errors.New("store unavailable")

// InboxOptions tune the inbox; zero values are sensible.
type InboxOptions struct {
	// OnCommit runs after each committed batch, before its deliveries are
	// answered (wakes the worker).
	OnCommit func()
	// MaxBatch caps the deliveries written in one transaction (default 256).
	MaxBatch int
	// Linger is how long the writer waits for a batch to reach LingerBatch
	// deliveries before it commits a smaller one (default 1ms, 16). With
	// 32 connections it took the load tool's ingest from 4,700-4,800 to
	// 5,200-5,500/s on SQLite with the worker stopped, and from 2,600 to
	// 3,000/s on PostgreSQL (one fsync per commit) with it running.
	Linger      time.Duration
	LingerBatch int
	// Pace, when set, is asked before each commit for how long to let
	// deliveries gather first: backpressure while normalization is far
	// behind (serve, on PostgreSQL).
	Pace func() time.Duration
}

// Inbox commits raw deliveries with group commit: one writer goroutine takes
// every delivery queued while the previous transaction ran and writes them
// all in one transaction, so concurrent requests share one fsync. Each
// caller is answered only once its own delivery is committed.
type Inbox struct {
	store *models.Store
	log   zerolog.Logger
	opts  InboxOptions
	queue chan *inboxItem
	// waiting counts callers not yet answered: the worker yields the
	// SQLite writer connection to them.
	waiting atomic.Int64
	// lastAccept is when the last delivery arrived (Unix nanoseconds).
	lastAccept atomic.Int64
	stop       chan struct{}
	done       chan struct{}
}

type inboxItem struct {
	d      *models.Delivery
	result chan inboxResult
}

type inboxResult struct {
	id        int64
	duplicate bool
	err       error
}

// NewInbox returns an inbox; call Start before Accept.
func NewInbox(store *models.Store, log zerolog.Logger, opts InboxOptions) *Inbox {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.Linger <= 0 {
		opts.Linger = time.Millisecond
	}
	if opts.LingerBatch <= 0 {
		opts.LingerBatch = 16
	}
	return &Inbox{
		store: store, log: log, opts: opts,
		queue: make(chan *inboxItem, 4*opts.MaxBatch),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
}

// Busy tells whether deliveries are waiting for their commit.
func (i *Inbox) Busy() bool { return i.waiting.Load() > 0 }

// IdleFor tells whether no delivery arrived for d.
func (i *Inbox) IdleFor(d time.Duration) bool {
	return time.Since(time.Unix(0, i.lastAccept.Load())) > d
}

// Start runs the writer goroutine.
func (i *Inbox) Start() { go i.writeLoop() }

// Close stops the writer after committing what is queued.
func (i *Inbox) Close() {
	select {
	case <-i.stop:
	default:
		close(i.stop)
	}
	<-i.done
}

// PrepareDelivery fills what the inbox derives from the raw body: event
// type, deduplication key, checksum and the initial status.
func PrepareDelivery(d *models.Delivery) { prepareDelivery(d, json.Valid(d.Body)) }

// PrepareValidDelivery is PrepareDelivery for a body the caller has
// checked is one valid JSON object, as the webhook handler does before it
// accepts: the key is then read without validating the body again (a
// third of the handler's CPU went to the two validations).
func PrepareValidDelivery(d *models.Delivery) { prepareDelivery(d, true) }

func prepareDelivery(d *models.Delivery, validJSON bool) {
	// DeliveryKey's fallback, with the checksum computed once.
	d.BodySHA256 = bodyChecksum(d.Body)
	d.EventType, d.DedupKey = providerKey(d.Provider, d.Body, validJSON)
	if d.DedupKey == "" {
		d.DedupKey = d.BodySHA256
	}
	if d.Status == "" {
		d.Status = models.StatusPending
	}
	if d.Headers == "" {
		d.Headers = "{}"
	}
	d.ReceivedAt = d.ReceivedAt.UTC()
}

// Accept commits d and returns its id, or the id of the same delivery stored
// before (duplicate). It returns only after the commit. It prepares d
// (PrepareDelivery) unless the caller has (its dedup key is set).
func (i *Inbox) Accept(ctx context.Context, d *models.Delivery) (int64, bool, error) {
	if d.DedupKey == "" {
		PrepareDelivery(d)
	}
	i.waiting.Add(1)
	defer i.waiting.Add(-1)
	i.lastAccept.Store(time.Now().UnixNano())
	item := &inboxItem{d: d, result: make(chan inboxResult, 1)}
	select {
	case i.queue <- item:
	case <-i.stop:
		return 0, false, fmt.Errorf("%w: shutting down", ErrUnavailable)
	case <-ctx.Done():
		return 0, false, fmt.Errorf("%w: %v", ErrUnavailable, ctx.Err())
	}
	select {
	case r := <-item.result:
		return r.id, r.duplicate, r.err
	case <-ctx.Done():
		return 0, false, fmt.Errorf("%w: %v", ErrUnavailable, ctx.Err())
	}
}

func (i *Inbox) writeLoop() {
	defer close(i.done)
	for {
		var first *inboxItem
		select {
		case first = <-i.queue:
		case <-i.stop:
			i.drainOnStop()
			return
		}
		if i.opts.Pace != nil {
			if d := i.opts.Pace(); d > 0 {
				time.Sleep(d) // more gather for this commit meanwhile
			}
		}
		i.commitBatch(first)
	}
}

// collect takes what else is queued, up to MaxBatch. While the batch is
// smaller than LingerBatch it waits up to Linger for more: a commit costs
// about the same for 3 deliveries as for 16, and when the writer is quick
// it would otherwise commit each handful on its own.
func (i *Inbox) collect(first *inboxItem) []*inboxItem {
	batch := []*inboxItem{first}
	var linger <-chan time.Time
	for len(batch) < i.opts.MaxBatch {
		select {
		case it := <-i.queue:
			batch = append(batch, it)
			continue
		default:
		}
		if len(batch) >= i.opts.LingerBatch {
			return batch
		}
		if linger == nil {
			linger = time.After(i.opts.Linger)
		}
		select {
		case it := <-i.queue:
			batch = append(batch, it)
		case <-linger:
			return batch
		}
	}
	return batch
}

func (i *Inbox) drainOnStop() {
	for {
		select {
		case it := <-i.queue:
			i.commitBatch(it)
		default:
			return
		}
	}
}

// commitBatch writes first and everything queued behind it once the
// writer connection is free. Taking the connection before collecting
// matters on SQLite, where the worker shares it: the deliveries that
// arrived while the worker held it join this transaction instead of
// waiting for the next one.
func (i *Inbox) commitBatch(first *inboxItem) {
	// The commit gets its own deadline: a caller that gave up must not
	// abort its neighbours' transaction.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	batch := []*inboxItem{first}
	conn, err := i.store.SQL().Conn(ctx)
	var results []inboxResult
	if err == nil {
		batch = i.collect(first)
		ds := make([]*models.Delivery, len(batch))
		for k, it := range batch {
			ds[k] = it.d
		}
		results, err = insertDeliveries(uncancelledOnSQLite(ctx, i.store.Dialect), conn, i.store.Dialect, ds, true)
		conn.Close()
	}
	if err != nil {
		i.log.Error().Err(err).Int("batch", len(batch)).Msg("inbox commit failed")
		err = fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	// Before the answers, so that whoever got one can count on it: two
	// inbox tests read their commit counter in between, and once failed.
	if err == nil && i.opts.OnCommit != nil {
		i.opts.OnCommit()
	}
	for k, it := range batch {
		if err != nil {
			it.result <- inboxResult{err: err}
			continue
		}
		it.result <- results[k]
	}
}

// txBeginner is a pool or one connection taken from it.
type txBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
	rowQueryer
}

// rowQueryer is a pool, a connection or a transaction.
type rowQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// insertDeliveries writes ds in one transaction with one multi-row insert;
// rows whose key exists already come back as duplicates with the old id.
// inKeyOrder sorts the rows by key (concurrent webhook batches); without it
// ids follow the given order (an import keeps its file's order).
//
// On PostgreSQL the insert is a transaction of its own, without BEGIN and
// COMMIT: one round trip to the backend instead of three for every group
// of webhooks. A duplicate's id is read after it, from a committed row: ON
// CONFLICT waits for the transaction that inserted the key to end.
func insertDeliveries(ctx context.Context, db txBeginner, dialect string, ds []*models.Delivery, inKeyOrder bool) ([]inboxResult, error) {
	if dialect == models.DialectPostgres {
		return insertDeliveryRows(ctx, db, dialect, ds, inKeyOrder)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	results, err := insertDeliveryRows(ctx, tx, dialect, ds, inKeyOrder)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return results, nil
}

// insertDeliveryRows is insertDeliveries inside the caller's transaction.
func insertDeliveryRows(ctx context.Context, tx rowQueryer, dialect string, ds []*models.Delivery, inKeyOrder bool) ([]inboxResult, error) {
	const cols = 11
	var sb strings.Builder
	sb.WriteString(`INSERT INTO deliveries (provider, dedup_key, event_type, headers, body, body_sha256,
		status, error, attempts, received_at, processed_at) VALUES `)
	args := make([]any, 0, cols*len(ds))
	n := 0
	// Rows go in key order: two replicas inserting overlapping batches
	// then take the unique index's locks in the same order and never
	// deadlock.
	sorted := slices.Clone(ds)
	if inKeyOrder {
		slices.SortFunc(sorted, func(a, b *models.Delivery) int {
			return cmp.Or(cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.DedupKey, b.DedupKey))
		})
	}
	for k, d := range sorted {
		if k > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := 0; c < cols; c++ {
			if c > 0 {
				sb.WriteString(", ")
			}
			n++
			sb.WriteString(placeholder(dialect, n))
		}
		sb.WriteByte(')')
		args = append(args, d.Provider, d.DedupKey, d.EventType, d.Headers, d.Body, d.BodySHA256,
			d.Status, d.Error, d.Attempts, d.ReceivedAt, d.ProcessedAt)
	}
	sb.WriteString(" ON CONFLICT (provider, dedup_key) DO NOTHING RETURNING id, provider, dedup_key")
	rows, err := tx.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("insert deliveries: %w", err)
	}
	inserted := map[string]int64{}
	for rows.Next() {
		var id int64
		var provider, key string
		if err := rows.Scan(&id, &provider, &key); err != nil {
			rows.Close()
			return nil, fmt.Errorf("insert deliveries: %w", err)
		}
		inserted[provider+"\x00"+key] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insert deliveries: %w", err)
	}
	results := make([]inboxResult, len(ds))
	claimed := map[string]bool{}
	for k, d := range ds {
		key := d.Provider + "\x00" + d.DedupKey
		if id, ok := inserted[key]; ok && !claimed[key] {
			claimed[key] = true
			results[k] = inboxResult{id: id}
			d.ID = id
			continue
		}
		var id int64
		q := "SELECT id FROM deliveries WHERE provider = " + placeholder(dialect, 1) +
			" AND dedup_key = " + placeholder(dialect, 2)
		if err := tx.QueryRowContext(ctx, q, d.Provider, d.DedupKey).Scan(&id); err != nil {
			return nil, fmt.Errorf("find duplicate delivery: %w", err)
		}
		results[k] = inboxResult{id: id, duplicate: true}
		d.ID = id
	}
	return results, nil
}

func placeholder(dialect string, n int) string {
	if dialect == models.DialectPostgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}
