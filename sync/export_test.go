package sync

import "context"

// AlwaysCareful makes w apply every delivery row by row in SQL, under its
// own savepoint and without the batch's cache: the reference result.
func AlwaysCareful(w *Worker) { w.alwaysCareful = true }

// BeforeSnapshotWrite runs f between each snapshot and its writer turn.
func BeforeSnapshotWrite(w *Worker, f func()) { w.beforeSnapshotWrite = f }

// AfterClaim runs f between each batch's claim and its model lock.
func AfterClaim(w *Worker, f func()) { w.afterClaim = f }

// FailApplying makes applying fail for the deliveries whose body f picks.
func FailApplying(w *Worker, f func(body []byte) bool) { w.failApplying = f }

// SharedImportBatch sets how many deliveries an import commits a
// transaction once it has seen another writer.
func SharedImportBatch(w *Worker, n int) { w.imports.batch = n }

// ApplyPendingBatch applies one batch of pending deliveries, as Run does.
func ApplyPendingBatch(ctx context.Context, w *Worker) (int, error) { return w.applyPendingBatch(ctx) }
