// Package storetest gives tests a fresh, migrated database of each dialect:
// SQLite always, PostgreSQL too when FANHOOK_TEST_POSTGRES_URL is set.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for creating test databases

	"github.com/fanhook/fanhook/models"
)

// PostgresEnv names the variable that enables the PostgreSQL tests.
const PostgresEnv = "FANHOOK_TEST_POSTGRES_URL"

// Dialects returns the dialects this run tests.
func Dialects() []string {
	if os.Getenv(PostgresEnv) != "" {
		return []string{models.DialectSQLite, models.DialectPostgres}
	}
	return []string{models.DialectSQLite}
}

// Each runs fn as a subtest once per dialect, each with its own fresh store.
func Each(t *testing.T, fn func(t *testing.T, store *models.Store)) {
	t.Helper()
	for _, dialect := range Dialects() {
		t.Run(dialect, func(t *testing.T) {
			fn(t, Open(t, dialect))
		})
	}
}

// Open returns a fresh migrated store of the dialect, closed at cleanup.
func Open(t testing.TB, dialect string) *models.Store {
	t.Helper()
	store, err := models.Open(context.Background(), URL(t, dialect), models.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return store
}

// URL returns the URL of a new empty database of the dialect, dropped at
// cleanup (PostgreSQL) or living in the test's temp dir (SQLite).
func URL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == models.DialectSQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "fanhook.db")
	}
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect %s: %v", PostgresEnv, err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	name := "fanhook_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}
