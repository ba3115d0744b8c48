// Package migrations holds fanhook's SQL schema, one folder per dialect,
// embedded so the binary migrates its own database. Migrations never import
// live models: they are the history of the schema, not a copy of the structs.
package migrations

import "embed"

// SQLite and Postgres are the migration folders, for goose's Provider.
//
//go:embed sqlite/*.sql
var SQLite embed.FS

//go:embed postgres/*.sql
var Postgres embed.FS
