// Package models is fanhook's domain: the unified fan and ticket model, the
// raw delivery inbox, and the store that opens SQLite or PostgreSQL.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/fanhook/fanhook/migrations"
)

// Dialects the store speaks.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// SQLiteBusyTimeout is how long a SQLite writer waits for a lock before the
// store reports itself unavailable (the webhook then answers 503), well
// inside the contract's 10 s answer limit.
const SQLiteBusyTimeout = 5 * time.Second

// Store is an open database. DB is the writer; on SQLite it is a single
// connection, because SQLite allows one writer and a pool of writers only
// queues on its lock. Read is a pool for queries (admin, reports).
type Store struct {
	DB      *gorm.DB
	Read    *gorm.DB
	Dialect string
	URL     string

	checkpoints *checkpointer // SQLite only
	presence    *presence     // SQLite only: see presence.go
}

// Options tune Open; zero values are sensible.
type Options struct {
	// MaxConns caps PostgreSQL connections (default 16).
	MaxConns int
}

// Open connects to url (`sqlite:PATH` or `postgres://…`/`postgresql://…`).
// It does not migrate: call Migrate.
func Open(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	switch {
	case strings.HasPrefix(databaseURL, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(databaseURL, "sqlite:"))
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return openPostgres(ctx, databaseURL, opts)
	default:
		return nil, fmt.Errorf("database URL must start with sqlite: or postgres:// (got %q)", RedactURL(databaseURL))
	}
}

// SQLiteDSN puts every pragma in the DSN so each connection the driver opens
// gets them; busy_timeout comes before journal_mode so switching to WAL
// itself waits for a lock instead of failing.
func SQLiteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(SQLiteBusyTimeout.Milliseconds()))
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	// Deleted content is overwritten with zeros, so that an erased fan's
	// data does not stay in the file's free space (sync.EraseFan).
	q.Set("_secure_delete", "on")
	if readOnly {
		q.Set("_query_only", "1")
		// A reader's transaction is a snapshot, taken at its first read
		// (the worker applies batches on one: sync/batch_snapshot.go); it
		// must not queue for the write lock.
		q.Set("_txlock", "deferred")
		// Readers claim the worker's deliveries and read its snapshots, so
		// each of their connections would fill a page cache of its own: at
		// 16 MB, as the writer's, a burst's peak RSS rose from 85 MB to
		// 111-119 MB; at 2 MB, 95-101 MB; at 1 MB, 91-96 MB, as fast. The
		// OS caches the file behind them.
		q.Set("_cache_size", "-1000")
	} else {
		q.Set("_cache_size", "-16000")
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: needs a file path, e.g. sqlite:fanhook.db")
	}
	cfg := &gorm.Config{Logger: logger.Discard, PrepareStmt: true, SkipDefaultTransaction: true}
	writer := openSQLiteDB(SQLiteDSN(path, false),
		fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", WriterCheckpointPages),
		// A statement that writes many rows inside a transaction keeps a
		// journal of the pages it changed, to undo itself alone; past 64 KiB
		// SQLite moves it to a temporary file. The worker's multi-row
		// statements passed that every time: importing 50,000 lines wrote
		// 1.6 GB to /var/tmp. The writer keeps it in memory: it lives for
		// one statement of at most 100 rows. Readers keep temporary files,
		// since a report's sort can be large.
		"PRAGMA temp_store = MEMORY")
	w, err := gorm.Open(sqlite.New(sqlite.Config{Conn: writer}), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	wdb, _ := w.DB()
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := gorm.Open(sqlite.New(sqlite.Config{Conn: openSQLiteDB(SQLiteDSN(path, true))}), cfg)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open sqlite %s for reading: %w", path, err)
	}
	rdb, _ := r.DB()
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)
	return &Store{DB: w, Read: r, Dialect: DialectSQLite, URL: "sqlite:" + path,
		checkpoints: startCheckpointer(path), presence: announcePresence(path)}, nil
}

func openPostgres(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	n := opts.MaxConns
	if n <= 0 {
		n = 16
	}
	cfg := &gorm.Config{Logger: logger.Discard, PrepareStmt: true, SkipDefaultTransaction: true}
	db, err := gorm.Open(postgres.Open(databaseURL), cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", RedactURL(databaseURL), err)
	}
	sqlDB, _ := db.DB()
	// Idle = open: a burst should not pay for new connections.
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open postgres %s: %w", RedactURL(databaseURL), err)
	}
	return &Store{DB: db, Read: db, Dialect: DialectPostgres, URL: databaseURL}, nil
}

// Migrate applies every pending migration, each in its own transaction.
func (s *Store) Migrate(ctx context.Context) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	var (
		dialect goose.Dialect
		dir     fs.FS
	)
	if s.Dialect == DialectSQLite {
		dialect = goose.DialectSQLite3
		dir, _ = fs.Sub(migrations.SQLite, "sqlite")
	} else {
		dialect = goose.DialectPostgres
		dir, _ = fs.Sub(migrations.Postgres, "postgres")
	}
	p, err := goose.NewProvider(dialect, sqlDB, dir)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Ping tells whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes every connection.
func (s *Store) Close() error {
	var errs []error
	if s.checkpoints != nil {
		errs = append(errs, s.checkpoints.Close())
	}
	for _, g := range []*gorm.DB{s.Read, s.DB} {
		if sqlDB, err := g.DB(); err == nil {
			errs = append(errs, sqlDB.Close())
		}
		if s.Read == s.DB {
			break
		}
	}
	errs = append(errs, s.presence.Close())
	return errors.Join(errs...)
}

// SQL returns the writer's database/sql handle, for the hot paths that
// bypass gorm (group commit, batched normalization).
func (s *Store) SQL() *sql.DB {
	sqlDB, _ := s.DB.DB()
	return sqlDB
}

// ReadSQL is the database/sql pool of Read.
func (s *Store) ReadSQL() *sql.DB {
	sqlDB, _ := s.Read.DB()
	return sqlDB
}

// RedactURL hides a password in a database setting before it reaches a
// message: in a URL's user part, as libpq's password parameter, or as
// password=… in a key/value connection string.
func RedactURL(raw string) string {
	if !strings.Contains(raw, "://") {
		return keyValuePassword.ReplaceAllString(raw, "${1}xxxxx")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			changed = true
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
		changed = true
	}
	if !changed {
		return raw // as written: url.String would not give it back exactly
	}
	return u.String()
}

// keyValuePassword finds the password of a libpq key/value string
// ("host=db password=secret" or password='a secret').
var keyValuePassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
