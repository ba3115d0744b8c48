package sync

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fanhook/fanhook/models"
)

// row names a row of one of the stamped tables (fans, events, orders,
// tickets, vibes_lists) by its natural key.
type row struct {
	table   string
	keyCols []string
	keyVals []any
	// seenAt is a new fan's first and last seen time: the fact's time, so
	// that the answer does not depend on when the worker ran.
	seenAt time.Time
	// likelyNew rows (a sale's ticket line and order) try the insert first:
	// one statement instead of a read and an insert.
	likelyNew bool
}

// upsertStamped creates the row if it is missing and applies the proposed
// values by the field-time rule. It writes only when a value changes, so a
// row that thousands of deliveries merely mention (a hot event) is read, not
// locked.
func upsertStamped(tx *sqlTx, r row, props []fieldValue, now time.Time) (int64, error) {
	if tx.cache != nil {
		return tx.cache.upsert(tx, r, props)
	}
	cols := uniqueCols(props)
	if r.likelyNew {
		if id, err := insertStamped(tx, r, props, now); err != nil || id != 0 {
			return id, err
		}
	}
	id, current, times, err := loadStamped(tx, r, cols)
	if err != nil {
		return 0, err
	}
	if id == 0 {
		id, err = insertStamped(tx, r, props, now)
		if err != nil || id != 0 {
			return id, err
		}
		// Lost a race with another worker: the row exists now.
		if id, current, times, err = loadStamped(tx, r, cols); err != nil {
			return 0, err
		}
		if id == 0 {
			return 0, fmt.Errorf("%s: row vanished after conflict", r.table)
		}
	}
	won, stamped := mergeFields(current, times, props)
	if len(won) == 0 && !stamped {
		return id, nil
	}
	if tx.dialect == models.DialectPostgres {
		// About to write: read again under a row lock, so a concurrent
		// worker's values and stamps are merged, not overwritten. Rows only
		// mentioned (a hot event) never get here, and never lock.
		if id, current, times, err = loadStampedForUpdate(tx, r, cols); err != nil {
			return 0, err
		}
		if won, stamped = mergeFields(current, times, props); len(won) == 0 && !stamped {
			return id, nil
		}
	}
	sets := make([]string, 0, len(won)+2)
	args := make([]any, 0, len(won)+3)
	for _, col := range cols {
		if v, ok := won[col]; ok {
			sets = append(sets, col+" = ?")
			args = append(args, v)
		}
	}
	sets = append(sets, "field_times = ?")
	args = append(args, times.String())
	if r.table != "vibes_lists" {
		sets = append(sets, "updated_at = ?")
		args = append(args, now)
	}
	args = append(args, id)
	if _, err := tx.exec("UPDATE "+r.table+" SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...); err != nil {
		return 0, fmt.Errorf("update %s: %w", r.table, err)
	}
	return id, nil
}

func uniqueCols(props []fieldValue) []string {
	seen := map[string]bool{}
	var cols []string
	for _, p := range props {
		if !seen[p.col] {
			seen[p.col] = true
			cols = append(cols, p.col)
		}
	}
	return cols
}

func loadStamped(tx *sqlTx, r row, cols []string) (int64, map[string]any, fieldTimes, error) {
	return loadStampedQuery(tx, r, cols, "")
}

func loadStampedForUpdate(tx *sqlTx, r row, cols []string) (int64, map[string]any, fieldTimes, error) {
	return loadStampedQuery(tx, r, cols, " FOR UPDATE")
}

func loadStampedQuery(tx *sqlTx, r row, cols []string, lock string) (int64, map[string]any, fieldTimes, error) {
	sel := append([]string{"id", "field_times"}, cols...)
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + r.table + " WHERE " + keyWhere(r.keyCols) + lock
	rows, err := tx.query(q, r.keyVals...)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("load %s: %w", r.table, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, nil, nil, rows.Err()
	}
	var (
		id     int64
		ftRaw  sql.NullString
		values = make([]any, len(cols))
		dest   = make([]any, len(sel))
	)
	dest[0], dest[1] = &id, &ftRaw
	for i := range cols {
		dest[i+2] = &values[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return 0, nil, nil, fmt.Errorf("load %s: %w", r.table, err)
	}
	current := make(map[string]any, len(cols))
	for i, c := range cols {
		current[c] = values[i]
	}
	return id, current, parseFieldTimes(ftRaw.String), nil
}

func insertStamped(tx *sqlTx, r row, props []fieldValue, now time.Time) (int64, error) {
	times := fieldTimes{}
	won, _ := mergeFields(map[string]any{}, times, props)
	cols := append([]string{}, r.keyCols...)
	args := append([]any{}, r.keyVals...)
	for _, col := range uniqueCols(props) {
		if v, ok := won[col]; ok {
			cols = append(cols, col)
			args = append(args, v)
		}
	}
	cols = append(cols, "field_times")
	args = append(args, times.String())
	switch r.table {
	case "vibes_lists":
	case "fans":
		cols = append(cols, "created_at", "updated_at", "first_seen_at", "last_seen_at")
		args = append(args, now, now, r.seenAt, r.seenAt)
	default:
		cols = append(cols, "created_at", "updated_at")
		args = append(args, now, now)
	}
	q := "INSERT INTO " + r.table + " (" + strings.Join(cols, ", ") + ") VALUES (" +
		placeholders(len(cols)) + ")"
	if len(r.keyCols) > 0 {
		q += " ON CONFLICT (" + strings.Join(r.keyCols, ", ") + ") DO NOTHING"
	}
	q += " RETURNING id"
	var id int64
	err := tx.scanRow(q, args, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("insert %s: %w", r.table, err)
	}
	return id, nil
}

func keyWhere(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = ?"
	}
	return strings.Join(parts, " AND ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
