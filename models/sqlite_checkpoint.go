package models

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// SQLite's writer checkpoints the WAL itself by default, every 1000 pages:
// it copies them into the database file and syncs it, on the one writer
// connection, while every webhook waits. A checkpointer on a connection of
// its own copies committed pages every checkpointInterval instead, beside
// the writer (a PASSIVE checkpoint takes no writer lock). The writer keeps
// an automatic checkpoint, now every WriterCheckpointPages: by then nearly
// every page is copied already, so it costs little, and it is what lets the
// next write start the WAL file over, which keeps it bounded.
//
// Measured with the load tool's 10 s burst, alternating builds: 2,200-2,340
// webhooks/s instead of 1,790-1,930, p99 43-47 ms instead of 55 ms, the
// -wal file 19-24 MB. Without the writer's own checkpoint the WAL never
// started over (744 MB); every 2000 pages gained little.
//
// What the writer's checkpoint still copies, and syncs, is what was
// committed since the checkpointer's last pass, and a webhook's commit pays
// for it when it is the one that crosses the threshold. Writer checkpoints
// turned off for a test gave p99 24 / 22 ms instead of 29 ms. A pass every
// 10 ms instead of 50 leaves them little: p99 19.0 / 22.0 ms against
// 26.8 / 28.5 ms (20 ms: 24.1 / 24.1), the backlog drained as fast, peak
// RSS ~5 MB more. With nothing committed, a pass copies and syncs nothing.
const (
	checkpointInterval     = 10 * time.Millisecond
	idleCheckpointInterval = 160 * time.Millisecond
)

// WriterCheckpointPages is the writer's wal_autocheckpoint. An import alone
// on its file raises its own (cmd/fanhook: importCheckpointPages).
const WriterCheckpointPages = 4000

// SetWriterCheckpointPages sets how many pages the SQLite writer lets the
// WAL hold before it checkpoints them itself; it does nothing on
// PostgreSQL. The writer is one connection, kept open, so the setting lasts
// until it is set again.
func (s *Store) SetWriterCheckpointPages(ctx context.Context, pages int) error {
	if s.Dialect != DialectSQLite {
		return nil
	}
	if _, err := s.SQL().ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", pages)); err != nil {
		return fmt.Errorf("set wal_autocheckpoint: %w", err)
	}
	return nil
}

// EmptyWAL copies the whole SQLite WAL into the database file and empties
// it (a TRUNCATE checkpoint), so that no earlier version of a page stays in
// it: an erasure's last step. It does nothing on PostgreSQL. A checkpoint
// already running (the checkpointer's, every 10 ms) makes it fail at once
// rather than wait, so it tries again for up to a second.
func (s *Store) EmptyWAL(ctx context.Context) error {
	if s.Dialect != DialectSQLite {
		return nil
	}
	var busy, logged, copied int
	for try := 0; try < 100; try++ {
		if try > 0 {
			time.Sleep(10 * time.Millisecond)
		}
		if err := s.SQL().QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &copied); err != nil {
			return fmt.Errorf("empty the WAL: %w", err)
		}
		if busy == 0 {
			return nil
		}
	}
	return fmt.Errorf("empty the WAL: another connection kept it busy for a second")
}

// checkpointer copies the WAL into the database file until stopped.
type checkpointer struct {
	db       *sql.DB
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

func startCheckpointer(path string) *checkpointer {
	db := openSQLiteDB(SQLiteDSN(path, false))
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *checkpointer) run() {
	defer close(c.done)
	ctx := context.Background()
	timer := time.NewTimer(checkpointInterval)
	defer timer.Stop()
	wait, lastVersion := checkpointInterval, int64(-1)
	for {
		select {
		case <-c.stop:
			return
		case <-timer.C:
		}
		// data_version moves when another connection commits: an idle
		// database is looked at less and less often (a pass every 10 ms
		// doubled serve's idle CPU), a busy one every checkpointInterval.
		var version int64
		if err := c.db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&version); err != nil || version != lastVersion {
			// A failed pass is retried on the next tick; the writer's own
			// checkpoint bounds the WAL meanwhile.
			_, _ = c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
			wait = checkpointInterval
		} else {
			wait = min(2*wait, idleCheckpointInterval)
		}
		lastVersion = version
		timer.Reset(wait)
	}
}

// Close stops the checkpointer and closes its connection.
func (c *checkpointer) Close() error {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
