package sync

import (
	"fmt"
	"time"

	"github.com/fanhook/fanhook/models"
)

// On SQLite an import commits 5,000 lines a transaction and holds the one
// writer for about a second each time. A `serve` beside it on the same
// file then kept its webhooks waiting that long. SQLite's data_version
// tells a connection that another one committed since it last asked. When
// that happens between two of an import's transactions, another process
// is writing the file, and from then on the import commits
// sharedImportBatch deliveries a transaction and pauses sharedImportPause
// after each: a webhook waiting for the lock polls it at growing
// intervals (SQLite's busy handler, up to 100 ms), and the import would
// otherwise take the lock again at once.
//
// 200,000 lines imported beside `serve` taking 100 webhooks/s (one run
// each): webhooks' p50 / p90 / p99 121 / 316 / 1,307 ms and the import
// 50.8 s; without the pause 147 / 653 / 1,675 ms and 45.8 s; whole
// batches 563 / 1,077 / 1,921 ms and 42.8 s.

const (
	sharedImportBatch = 1000
	sharedImportPause = 25 * time.Millisecond
)

// importSharing is what an import knows of other writers of its file. One
// goroutine imports (StoreAndApply), so plain fields do.
type importSharing struct {
	dataVersion  int64 // at the import's last transaction
	otherWriters bool  // another connection committed between two
	batch        int   // sharedImportBatch, or smaller in tests
}

// noteOtherWriters reads data_version in tx (SQLite) and remembers whether
// another connection committed since the import's previous transaction.
func (w *Worker) noteOtherWriters(tx *sqlTx) error {
	if tx.dialect != models.DialectSQLite {
		return nil
	}
	var v int64
	if err := tx.scanRow("PRAGMA data_version", nil, &v); err != nil {
		return fmt.Errorf("read data_version: %w", err)
	}
	if last := w.imports.dataVersion; last != 0 && last != v {
		w.imports.otherWriters = true
	}
	w.imports.dataVersion = v
	return nil
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
