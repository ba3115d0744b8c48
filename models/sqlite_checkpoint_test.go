package models_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// writeMB commits about mb megabytes in transactions of ~256 KB.
func writeMB(t *testing.T, store *models.Store, mb int) {
	t.Helper()
	ctx := context.Background()
	blob := strings.Repeat("x", 1024)
	for range mb * 4 {
		tx, err := store.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for range 256 {
			if _, err := tx.ExecContext(ctx, "INSERT INTO filler (pad) VALUES (?)", blob); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Committed pages reach the database file within a few checkpoint
// intervals, well before the writer's own checkpoint would copy them, and
// the -wal file stays bounded under a long stream of commits.
func TestSQLiteCheckpointsBesideTheWriter(t *testing.T) {
	store := storetest.Open(t, models.DialectSQLite)
	path := strings.TrimPrefix(store.URL, "sqlite:")
	if err := store.DB.Exec("CREATE TABLE filler (id INTEGER PRIMARY KEY, pad TEXT)").Error; err != nil {
		t.Fatal(err)
	}
	before := fileSize(t, path)
	writeMB(t, store, 2) // ~500 pages: under the writer's checkpoint threshold
	deadline := time.Now().Add(5 * time.Second)
	for fileSize(t, path)-before < 2<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("database file grew %d bytes after 2 MB committed; the pages stayed in the WAL",
				fileSize(t, path)-before)
		}
		time.Sleep(10 * time.Millisecond)
	}

	writeMB(t, store, 48)
	if wal := fileSize(t, path+"-wal"); wal > 32<<20 {
		t.Errorf("-wal file is %d MB after 50 MB committed, want it bounded near 16 MB", wal>>20)
	}
}
