package sync

// AlwaysCareful makes w apply every delivery row by row in SQL, under its
// own savepoint and without the batch's cache: the reference result.
func AlwaysCareful(w *Worker) { w.alwaysCareful = true }

// SnapshotCounts tells how many of w's SQLite batches were written as
// applied on their snapshot, and how many were applied again on the writer.
func SnapshotCounts(w *Worker) (written, redone int64) {
	return w.snapshots.written.Load(), w.snapshots.redone.Load()
}

// BeforeSnapshotWrite runs f between each snapshot and its writer turn.
func BeforeSnapshotWrite(w *Worker, f func()) { w.beforeSnapshotWrite = f }
