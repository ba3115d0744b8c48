package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// SQLite compiles every statement before it runs it, and database/sql
// prepares again for each transaction: the worker's batch statements cost
// more to compile than to run (a 200-term lookup ~0.5 ms, on the one writer
// connection). So each connection keeps its compiled statements, keyed by
// their text, and hands them out again.

// stmtCacheSize bounds the statements a connection keeps; past it, the
// least recently handed out idle one is finalized.
const stmtCacheSize = 256

// openSQLiteDB opens a database/sql pool whose connections cache statements
// and run pragmas (those the DSN cannot carry) when they open.
func openSQLiteDB(dsn string, pragmas ...string) *sql.DB {
	return sql.OpenDB(sqliteConnector{dsn: dsn, pragmas: pragmas})
}

type sqliteConnector struct {
	dsn     string
	pragmas []string
}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := (&sqlite3.SQLiteDriver{}).Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc := conn.(*sqlite3.SQLiteConn)
	for _, p := range c.pragmas {
		if _, err := sc.Exec(p, nil); err != nil {
			sc.Close()
			return nil, err
		}
	}
	return &cachingConn{SQLiteConn: sc, stmts: map[string]*cachedStmt{}}, nil
}

func (c sqliteConnector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// cachingConn is a SQLite connection that reuses compiled statements.
// database/sql uses a connection from one goroutine at a time; the mutex
// only guards against a Stmt closed from elsewhere.
type cachingConn struct {
	*sqlite3.SQLiteConn
	mu    sync.Mutex
	stmts map[string]*cachedStmt
	tick  uint64
}

// cachedStmt is a compiled statement; while busy it belongs to one user
// (an open sql.Stmt or a running query), and Close hands it back.
type cachedStmt struct {
	*sqlite3.SQLiteStmt
	conn     *cachingConn
	cached   bool
	busy     bool
	lastUsed uint64
}

func (s *cachedStmt) Close() error {
	if !s.cached {
		return s.SQLiteStmt.Close()
	}
	s.conn.mu.Lock()
	s.busy = false
	s.conn.mu.Unlock()
	return nil
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext returns the cached statement when it is idle; a statement
// in use (a query reading it rows) gets a fresh, uncached twin.
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick++
	if s, ok := c.stmts[query]; ok && !s.busy {
		s.busy, s.lastUsed = true, c.tick
		return s, nil
	}
	ds, err := c.SQLiteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &cachedStmt{SQLiteStmt: ds.(*sqlite3.SQLiteStmt), conn: c, busy: true, lastUsed: c.tick}
	if _, taken := c.stmts[query]; !taken && c.makeRoom() {
		s.cached = true
		c.stmts[query] = s
	}
	return s, nil
}

// makeRoom finalizes the least recently used idle statement when the cache
// is full; false when every cached statement is busy.
func (c *cachingConn) makeRoom() bool {
	if len(c.stmts) < stmtCacheSize {
		return true
	}
	var oldest string
	var found *cachedStmt
	for q, s := range c.stmts {
		if !s.busy && (found == nil || s.lastUsed < found.lastUsed) {
			oldest, found = q, s
		}
	}
	if found == nil {
		return false
	}
	delete(c.stmts, oldest)
	found.SQLiteStmt.Close()
	return true
}

// ExecContext runs a statement with arguments through the cache; without
// arguments it may be a script of several statements (migrations), which
// only the driver's own Exec runs.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.SQLiteConn.ExecContext(ctx, query, args)
	}
	ds, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := ds.(*cachedStmt)
	defer s.Close()
	return s.ExecContext(ctx, args)
}

// QueryContext is ExecContext for queries: the statement stays busy until
// its rows are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		return c.SQLiteConn.QueryContext(ctx, query, args)
	}
	ds, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := ds.(*cachedStmt)
	rows, err := s.QueryContext(ctx, args)
	if err != nil {
		s.Close()
		return nil, err
	}
	return &releasingRows{SQLiteRows: rows.(*sqlite3.SQLiteRows), stmt: s}, nil
}

// releasingRows hands its statement back when closed. It embeds the
// driver's rows so that their column types still reach database/sql.
type releasingRows struct {
	*sqlite3.SQLiteRows
	stmt *cachedStmt
}

func (r *releasingRows) Close() error {
	err := r.SQLiteRows.Close()
	r.stmt.Close()
	return err
}

// Close finalizes every cached statement, then closes the connection.
func (c *cachingConn) Close() error {
	c.mu.Lock()
	for q, s := range c.stmts {
		s.SQLiteStmt.Close()
		delete(c.stmts, q)
	}
	c.mu.Unlock()
	return c.SQLiteConn.Close()
}

// SQLiteTimeText is the text the SQLite driver stores for t. A value bound
// to many rows of a batch (its time) is formatted once with it, instead of
// once a row by the driver.
func SQLiteTimeText(t time.Time) string { return t.Format(sqlite3.SQLiteTimestampFormats[0]) }
