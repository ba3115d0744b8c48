package sync

import (
	"context"
	"fmt"
	"time"

	"github.com/fanhook/fanhook/models"
)

// On SQLite an import commits 5,000 lines a transaction and holds the one
// writer for about a second each time. A `serve` beside it on the same
// file then kept its webhooks waiting that long. So before each of its
// batches an import asks whether it shares the file: whether another
// fanhook process has it open (models.Store.OpenElsewhere), or whether
// another connection committed since its previous batch (SQLite's
// data_version, for writers that are not fanhook). From then on the import
// commits sharedImportBatch deliveries a transaction and pauses
// sharedImportPause after each: a webhook waiting for the lock polls it at
// growing intervals (SQLite's busy handler, up to 100 ms), and the import
// would otherwise take the lock again at once.
//
// 200,000 lines imported beside `serve` taking 100 webhooks/s (one run
// each): webhooks' p50 / p90 / p99 121 / 316 / 1,307 ms and the import
// 50.8 s; without the pause 147 / 653 / 1,675 ms and 45.8 s; whole
// batches 563 / 1,077 / 1,921 ms and 42.8 s.
//
// data_version alone is not enough once an import alone lets the WAL grow
// (`fanhook import` raises wal_autocheckpoint): the writer's checkpoint
// after each commit was the pause in which `serve` took the lock and
// committed. Without it the import noticed `serve` 7 s in, and webhooks'
// p99 was 6.5 s.

const (
	sharedImportBatch = 1000
	sharedImportPause = 25 * time.Millisecond
)

// importSharing is what an import knows of other writers of its file. One
// goroutine imports (StoreAndApply), so plain fields do.
type importSharing struct {
	dataVersion  int64 // before the import's last batch
	otherWriters bool  // another process has the file open, or committed to it
	batch        int   // sharedImportBatch, or smaller in tests
}

// noteOtherWriters remembers, before an import's batch, whether another
// process has its SQLite file open or another connection committed to it
// since the import's previous batch. The first time, it lowers the
// writer's checkpoint threshold to serve's: an import alone lets the WAL
// grow before its writer copies it into the file itself, and beside
// another writer that copy would fall to the other's commits, a webhook's
// among them. It runs on the writer between transactions, which is where
// data_version is read (it is the connection's own).
func (w *Worker) noteOtherWriters(ctx context.Context) error {
	if w.store.Dialect != models.DialectSQLite || w.imports.otherWriters {
		return nil
	}
	var v int64
	if err := w.store.SQL().QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return fmt.Errorf("read data_version: %w", err)
	}
	committed := w.imports.dataVersion != 0 && w.imports.dataVersion != v
	w.imports.dataVersion = v
	elsewhere, err := w.store.OpenElsewhere()
	if err != nil {
		return err
	}
	if !committed && !elsewhere {
		return nil
	}
	w.imports.otherWriters = true
	return w.store.SetWriterCheckpointPages(ctx, models.WriterCheckpointPages)
}

// importParts is b whole, or in parts of the shared size once another
// writer was seen.
func (w *Worker) importParts(b *ImportBatch) []*ImportBatch {
	size := w.imports.batch
	if size <= 0 {
		size = sharedImportBatch
	}
	if !w.imports.otherWriters || b.Len() <= size {
		return []*ImportBatch{b}
	}
	var parts []*ImportBatch
	for start := 0; start < b.Len(); start += size {
		end := min(b.Len(), start+size)
		parts = append(parts, &ImportBatch{deliveries: b.deliveries[start:end], parsed: b.parsed[start:end]})
	}
	return parts
}
