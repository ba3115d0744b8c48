package sync

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/fanhook/fanhook/models"
)

// sqlTx is the normalizer's transaction: database/sql without an ORM on the
// hot path, and `?` placeholders rebound for PostgreSQL. On SQLite each
// statement is prepared once per transaction (the connection keeps it
// compiled across them); on PostgreSQL statements run directly, and pgx
// keeps each connection's prepared statements itself (an explicit Prepare
// would cost a round trip, and another to deallocate).
type sqlTx struct {
	ctx     context.Context
	tx      *sql.Tx
	dialect string
	stmts   map[string]*sql.Stmt
	rebinds map[string]string
	// anySuppressions caches, per transaction, whether any fan was ever
	// erased: almost always not, and then no identifier needs checking.
	anySuppressions *bool
	// cache, when set, holds the batch's rows in memory.
	cache *batchCache
	// modelLocked: the transaction holds the model lock (PostgreSQL) or
	// has counted itself in model_version (SQLite).
	modelLocked bool
	// snapshot: a SQLite read transaction a batch is applied on; it
	// writes nothing (batch_snapshot.go).
	snapshot bool
	// droppedErasedBody: the transaction dropped the raw body of a
	// delivery naming an erased fan; once it commits, the WAL is emptied
	// of the body's earlier pages (afterCommit).
	droppedErasedBody bool
}

// afterCommit does what a committed transaction leaves to do: empty
// SQLite's WAL after an erased fan's data left the tables, as EraseFan
// does. Rare (a redelivery naming an erased fan), so done in line.
func (tx *sqlTx) afterCommit(store *models.Store) {
	if tx.droppedErasedBody {
		_ = store.EmptyWAL(context.WithoutCancel(tx.ctx))
	}
}

func beginSQLTx(ctx context.Context, store *models.Store) (*sqlTx, error) {
	return beginOn(ctx, store.SQL(), store.Dialect)
}

func beginOn(ctx context.Context, db *sql.DB, dialect string) (*sqlTx, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &sqlTx{ctx: ctx, tx: tx, dialect: dialect, stmts: map[string]*sql.Stmt{}, rebinds: map[string]string{}}, nil
}

// beginSnapshotTx opens a read transaction on SQLite's readers, whose
// connections begin deferred: the snapshot is taken at its first read.
func beginSnapshotTx(ctx context.Context, store *models.Store) (*sqlTx, error) {
	tx, err := beginOn(ctx, store.ReadSQL(), store.Dialect)
	if err != nil {
		return nil, err
	}
	tx.snapshot = true
	return tx, nil
}

// uncancelledOnSQLite is ctx without its cancellation on SQLite, for
// statements that are short anyway. Given a context that can be cancelled,
// go-sqlite3 runs every statement and every row read on a goroutine of its
// own and waits for it (pgx watches a context without one).
func uncancelledOnSQLite(ctx context.Context, dialect string) context.Context {
	if dialect == models.DialectSQLite {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// stmt returns q prepared in this transaction; statements close with it.
func (t *sqlTx) stmt(q string) (*sql.Stmt, error) {
	if s, ok := t.stmts[q]; ok {
		return s, nil
	}
	s, err := t.tx.PrepareContext(t.ctx, rebind(t.dialect, q))
	if err != nil {
		return nil, err
	}
	t.stmts[q] = s
	return s, nil
}

func (t *sqlTx) exec(q string, args ...any) (sql.Result, error) {
	if t.dialect == models.DialectPostgres {
		return t.tx.ExecContext(t.ctx, t.rebound(q), args...)
	}
	s, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(t.ctx, args...)
}

func (t *sqlTx) query(q string, args ...any) (*sql.Rows, error) {
	if t.dialect == models.DialectPostgres {
		return t.tx.QueryContext(t.ctx, t.rebound(q), args...)
	}
	s, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(t.ctx, args...)
}

// scanRow runs a one-row query into dest; no row is sql.ErrNoRows.
func (t *sqlTx) scanRow(q string, args []any, dest ...any) error {
	if t.dialect == models.DialectPostgres {
		return t.tx.QueryRowContext(t.ctx, t.rebound(q), args...).Scan(dest...)
	}
	s, err := t.stmt(q)
	if err != nil {
		return err
	}
	return s.QueryRowContext(t.ctx, args...).Scan(dest...)
}

// rebound is rebind, remembered for the transaction.
func (t *sqlTx) rebound(q string) string {
	r, ok := t.rebinds[q]
	if !ok {
		r = rebind(t.dialect, q)
		t.rebinds[q] = r
	}
	return r
}

// execPrepared runs a statement without arguments whose result does not
// matter (savepoints), prepared once like the others.
func (t *sqlTx) execPrepared(q string) error {
	_, err := t.exec(q)
	return err
}

// rebind turns `?` placeholders into PostgreSQL's $1, $2, … (none of our
// statements has a literal question mark).
func rebind(dialect, q string) string {
	if dialect != models.DialectPostgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
