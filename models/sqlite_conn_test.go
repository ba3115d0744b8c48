package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// The SQLite connection hands out its cached statements again; a statement
// whose rows are still being read must not be reset under them, and a full
// cache must keep working.
func TestSQLiteStatementCache(t *testing.T) {
	store := storetest.Open(t, models.DialectSQLite)
	db := store.SQL()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = "SELECT value FROM (SELECT 1 AS value UNION ALL SELECT 2 UNION ALL SELECT 3) WHERE value >= ? ORDER BY value"
	outer, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var v int
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		// The same text again while the outer rows are open.
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+q+")", v).Scan(&n); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.QueryContext(ctx, q, v)
		if err != nil {
			t.Fatal(err)
		}
		var vs []int
		for inner.Next() {
			var w int
			inner.Scan(&w)
			vs = append(vs, w)
		}
		inner.Close()
		got = append(got, fmt.Sprint(v, n, vs))
	}
	outer.Close()
	want := "[1 3 [1 2 3] 2 2 [2 3] 3 1 [3]]"
	if fmt.Sprint(got) != want {
		t.Fatalf("nested reads of one statement: got %v, want %v", got, want)
	}
	// More distinct statements than the cache holds, each run twice.
	for round := range 2 {
		for i := range 300 {
			var n int
			if err := tx.QueryRowContext(ctx, fmt.Sprintf("SELECT ? + %d", i), round).Scan(&n); err != nil || n != i+round {
				t.Fatalf("statement %d round %d: %d, %v", i, round, n, err)
			}
		}
	}
}

// The writer keeps statement journals in memory (store.go); with the
// default they spill to a temporary file past 64 KiB, which the worker's
// multi-row statements passed every time.
func TestSQLiteWriterKeepsStatementJournalsInMemory(t *testing.T) {
	store := storetest.Open(t, models.DialectSQLite)
	var mode int
	if err := store.SQL().QueryRow("PRAGMA temp_store").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != 2 { // MEMORY
		t.Errorf("writer's temp_store = %d, want 2 (MEMORY)", mode)
	}
}

// A time bound as SQLiteTimeText is stored as the same text, of the same
// type, as the driver stores the time itself, and reads back the same.
func TestSQLiteTimeTextIsWhatTheDriverStores(t *testing.T) {
	store := storetest.Open(t, models.DialectSQLite)
	db := store.SQL()
	if _, err := db.Exec("CREATE TEMP TABLE times (at DATETIME)"); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{
		time.Date(2026, 11, 24, 10, 55, 0, 123456789, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 500000000, time.FixedZone("", 3600)),
	} {
		if _, err := db.Exec("DELETE FROM times"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("INSERT INTO times (at) VALUES (?), (?)", at, models.SQLiteTimeText(at)); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query("SELECT at, typeof(at), CAST(at AS TEXT) FROM times")
		if err != nil {
			t.Fatal(err)
		}
		var read []time.Time
		var texts []string
		for rows.Next() {
			var back time.Time
			var typ, text string
			if err := rows.Scan(&back, &typ, &text); err != nil {
				t.Fatal(err)
			}
			read, texts = append(read, back), append(texts, typ+" "+text)
		}
		rows.Close()
		if len(texts) != 2 || texts[0] != texts[1] || !read[0].Equal(read[1]) || !read[1].Equal(at) {
			t.Errorf("%v: stored %q, read %v", at, texts, read)
		}
	}
}
