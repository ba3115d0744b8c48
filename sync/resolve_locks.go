package sync

import (
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/fanhook/fanhook/models"
)

// identityLockKey is the advisory lock that serializes, on PostgreSQL, the
// transactions resolving one identifier: without it two workers could each
// create a fan for one person (a phone joins nothing while the other fan is
// uncommitted).
func identityLockKey(id Identity) int64 {
	h := fnv.New64a()
	h.Write([]byte(id.Kind + "\x00" + id.Value))
	return int64(h.Sum64())
}

// lockBatchIdentities takes, before anything else, the locks of every
// identifier a batch names, in one sorted order: transactions that each
// took their locks delivery by delivery deadlocked (and PostgreSQL takes a
// second to notice). The locks last until the batch commits.
func lockBatchIdentities(tx *sqlTx, batch []parsedDelivery) error {
	seen := map[int64]bool{}
	var keys []int64
	for _, p := range batch {
		for _, person := range p.facts.People {
			for _, id := range personIdentities(person) {
				if k := identityLockKey(id); !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
	}
	slices.Sort(keys)
	// One round trip: the inner query sorts, the middle one locks row by
	// row in that order.
	var n int64
	err := tx.scanRow(`SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(k) FROM
		(SELECT k FROM unnest(?::bigint[]) AS k ORDER BY k) sorted) locked`, []any{keys}, &n)
	if err != nil {
		return fmt.Errorf("lock identities: %w", err)
	}
	tx.identitiesLocked = true
	return nil
}

// lockIdentities takes the locks of one record's identifiers (held already
// when its batch locked them all; taking one again is free of waits).
func (a *applier) lockIdentities(ids []Identity) error {
	if a.tx.dialect != models.DialectPostgres || a.tx.identitiesLocked {
		return nil
	}
	keys := make([]int64, len(ids))
	for i, id := range ids {
		keys[i] = identityLockKey(id)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, err := a.tx.exec("SELECT pg_advisory_xact_lock(?)", k); err != nil {
			return fmt.Errorf("lock identity: %w", err)
		}
	}
	return nil
}

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
