package models

import "database/sql"

// ScanValues reads the current row into one value per column, as the
// driver returns them (SQLite may return text as []byte): for queries whose
// columns are only known at run time.
func ScanValues(rows *sql.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return vals, nil
}
