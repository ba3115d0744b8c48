package sync

import "context"

// On SQLite one connection writes, so applying a batch keeps one core busy
// while the other has nothing to do. With WorkerOptions.ParseAhead the
// worker claims the next batch on a reader and parses it meanwhile; the
// next transaction claims the same deliveries and reuses those parses
// (batch_parsed.go). Only the applying loop starts and awaits it.

// aheadQuery claims the pending deliveries after the batch being applied.
const aheadQuery = claimSelect + ` WHERE status = 'pending' AND id > ? ORDER BY id LIMIT ?`

// parseAhead parses, in the background, the pending deliveries after lastID.
func (w *Worker) parseAhead(ctx context.Context, lastID int64) {
	done := make(chan struct{})
	w.ahead = done
	go func() {
		defer close(done)
		// A failed claim only means the next batch parses for itself.
		batch, err := claim(ctx, w.store.ReadSQL(), w.store.Dialect, aheadQuery, lastID, w.opts.BatchSize)
		if err == nil {
			w.parseBatch(batch)
		}
	}()
}

// awaitAhead waits for the parse ahead started by the last batch, if any.
func (w *Worker) awaitAhead() {
	if w.ahead != nil {
		<-w.ahead
		w.ahead = nil
	}
}
