package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fanhook/fanhook/models"
)

// LiveFanByEmail returns the id of the unmerged fan with email, 0 if none.
func LiveFanByEmail(t testing.TB, store *models.Store, email string) int64 {
	t.Helper()
	var ids []int64
	if err := store.Read.Raw("SELECT id FROM fans WHERE email = ? AND merged_into IS NULL", email).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		return 0
	}
	return ids[0]
}

// ModelVersion is how many transactions have written the model on SQLite
// (model_version, counted under the model lock).
func ModelVersion(t testing.TB, store *models.Store) int64 {
	t.Helper()
	var v int64
	if err := store.Read.Raw("SELECT version FROM model_version WHERE id = 1").Scan(&v).Error; err != nil {
		t.Fatal(err)
	}
	return v
}

// GrepDatabase dumps every column of every table and returns the cells that
// contain any needle, ignoring case: what erasure tests assert is gone.
func GrepDatabase(t testing.TB, store *models.Store, needles []string) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if store.Dialect == models.DialectPostgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	var tables []string
	if err := store.Read.Raw(q).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	if len(tables) < 10 {
		t.Fatalf("only %d tables found", len(tables))
	}
	var found []string
	for _, table := range tables {
		rows, err := store.Read.Raw("SELECT * FROM " + table).Rows()
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals, err := models.ScanValues(rows, len(cols))
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var s string
				if b, ok := v.([]byte); ok {
					s = string(b)
				} else if v != nil {
					s = fmt.Sprint(v)
				}
				s = strings.ToLower(s)
				for _, n := range needles {
					if strings.Contains(s, strings.ToLower(n)) {
						found = append(found, fmt.Sprintf("%s.%s contains %q: %.200s", table, cols[i], n, s))
					}
				}
			}
		}
		rows.Close()
	}
	return found
}
