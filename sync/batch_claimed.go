package sync

import "fmt"

// On SQLite a batch claims its deliveries on a reader before it takes the
// writer, and a replay claims without locking rows on either database.
// Another worker may apply a claimed delivery in between: `fanhook
// replay` in another process, or an erasure applying the pending
// deliveries that name the fan. Applied again from the stale claim, which
// says it was never applied, nothing it wrote would be forgotten first and
// its consent changes would be added twice: a replay beside 800
// webhooks/s on SQLite left 35 duplicated consent rows before this check.

// claimIsStale tells whether any claimed delivery was applied since it was
// claimed. Every application counts itself in attempts (markDeliveries),
// so a count other than the claim's tells.
func claimIsStale(tx *sqlTx, parsed []parsedDelivery) (bool, error) {
	if len(parsed) == 0 {
		return false, nil
	}
	ids := make([]int64, len(parsed))
	for i, p := range parsed {
		ids[i] = p.d.ID
	}
	join, set, err := idSetJoin(tx.dialect, ids)
	if err != nil {
		return false, err
	}
	rows, err := tx.query(`SELECT t.id, t.attempts FROM deliveries t `+join, set...)
	if err != nil {
		return false, fmt.Errorf("recheck claimed deliveries: %w", err)
	}
	defer rows.Close()
	attempts := make(map[int64]int, len(parsed))
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return false, fmt.Errorf("recheck claimed deliveries: %w", err)
		}
		attempts[id] = n
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("recheck claimed deliveries: %w", err)
	}
	for _, p := range parsed {
		if n, ok := attempts[p.d.ID]; !ok || n != p.d.Attempts {
			return true, nil
		}
	}
	return false, nil
}
