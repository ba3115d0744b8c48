package sync

import (
	"fmt"

	"github.com/fanhook/fanhook/models"
)

// modelLockKey is the PostgreSQL advisory lock every writer of the unified
// model holds for its whole transaction (worker batches, erasures), in
// every replica. Normalization is serialized, as on SQLite, and that is
// what makes it fast: a batch can read all its rows up front, apply its
// deliveries in memory and write them back in a few multi-row statements,
// since nobody else writes them meanwhile. Row-by-row transactions in
// parallel, each locking its identifiers, were 3-5 times slower (about 15
// round trips a delivery) and had to be ordered to avoid deadlocks.
// Claiming and parsing happen before the lock, so the next batch is ready
// when the lock frees.
const modelLockKey int64 = 0x66616e686f6f6b // "fanhook"

// lockModel takes the model lock on PostgreSQL. SQLite's single writer
// connection already serializes; there it counts the transaction in
// model_version instead, which tells a batch applied on a read snapshot
// whether another writer came in between (batch_snapshot.go).
func lockModel(tx *sqlTx) error {
	return takeModelLock(tx, "SELECT pg_advisory_xact_lock(?)")
}

// lockModelForBatch is lockModel for a worker batch. The model is derived
// from the deliveries: a batch lost in a crash leaves them pending, to be
// applied again, so its commit need not wait for the WAL flush. (The
// inbox's commits and erasures still do.)
func lockModelForBatch(tx *sqlTx) error {
	return takeModelLock(tx, "SELECT pg_advisory_xact_lock(?), set_config('synchronous_commit', 'off', true)")
}

func takeModelLock(tx *sqlTx, q string) error {
	if tx.modelLocked || tx.snapshot {
		return nil
	}
	var err error
	if tx.dialect == models.DialectPostgres {
		_, err = tx.exec(q, modelLockKey)
	} else {
		_, err = tx.exec(bumpModelVersion)
	}
	if err != nil {
		return fmt.Errorf("lock the model: %w", err)
	}
	tx.modelLocked = true
	return nil
}

// bumpModelVersion counts a SQLite transaction that writes the model.
const bumpModelVersion = "UPDATE model_version SET version = version + 1 WHERE id = 1"

// suppressed tells whether an erasure newer than this fact names any of the
// identifiers: the person must not come back from an old delivery.
func (a *applier) suppressed(ids []Identity) (bool, error) {
	if a.tx.anySuppressions == nil {
		var n int64
		if err := a.tx.scanRow("SELECT COUNT(*) FROM (SELECT 1 FROM suppressions LIMIT 1) s", nil, &n); err != nil {
			return false, fmt.Errorf("check suppressions: %w", err)
		}
		any := n > 0
		a.tx.anySuppressions = &any
	}
	if !*a.tx.anySuppressions {
		return false, nil
	}
	for _, id := range ids {
		var n int64
		err := a.tx.scanRow("SELECT COUNT(*) FROM suppressions WHERE kind = ? AND value_hash = ? AND erased_at >= ?",
			[]any{id.Kind, models.SuppressionHash(id.Kind, id.Value), a.facts.FactAt}, &n)
		if err != nil {
			return false, fmt.Errorf("check suppressions: %w", err)
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}
