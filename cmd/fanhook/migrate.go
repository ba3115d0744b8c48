package main

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for the migration lock

	"github.com/fanhook/fanhook/models"
)

// migrationLockID is the PostgreSQL advisory lock that serializes migrations
// ("fanhook" in ASCII), so replicas starting together apply each once.
const migrationLockID = 0x66616e686f6f6b

// migrate applies pending migrations. On PostgreSQL it first takes a
// session-level advisory lock on a connection of its own, so a second
// process waits for the first to finish, then finds nothing to do.
func migrate(ctx context.Context, store *models.Store, cfg *Config) error {
	if store.Dialect != models.DialectPostgres {
		return store.Migrate(ctx)
	}
	db, err := sql.Open("pgx", cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	// Closing the connection releases the lock too; unlock explicitly so a
	// pooled connection never keeps it.
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID)
	return store.Migrate(ctx)
}
