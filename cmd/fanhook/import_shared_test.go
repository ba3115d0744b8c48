package main

import (
	"context"
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// An import beside a running `serve` on its SQLite file commits 1,000
// lines a transaction, so that webhooks wait less; alone it commits them
// all at once. It learns of serve from the lock serve holds, before
// either has committed anything: serve takes no webhooks here. Each
// import transaction counts itself in model_version.
func TestImportBesideServeCommitsInParts(t *testing.T) {
	dbURL := storetest.URL(t, models.DialectSQLite)
	env := map[string]string{"FANHOOK_DATABASE_URL": dbURL}
	const lines = 2500 // half a batch alone; three transactions beside serve
	transactions := func(run string) int64 {
		t.Helper()
		before := modelVersion(t, dbURL)
		if _, stderr, code := runCLI(t, env, customerLines(run, lines), "import", "-"); code != 0 {
			t.Fatalf("import %s: exit %d: %s", run, code, stderr)
		}
		return modelVersion(t, dbURL) - before
	}

	if _, stderr, code := runCLI(t, env, "", "migrate"); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, stderr)
	}
	if n := transactions("alone"); n != 1 {
		t.Fatalf("an import alone took %d transactions, want 1", n)
	}
	env["FANHOOK_FIXR_TOKEN"] = "shared-fixr-token-5c1e"
	env["FANHOOK_ADMIN_PASSWORD"] = "shared-admin-password-8d2"
	srv := startServer(t, env)
	if n := transactions("beside"); n != 3 {
		t.Fatalf("an import beside serve took %d transactions, want 3 (%d lines, 1,000 a transaction)", n, lines)
	}
	srv.stop(t)
}

func modelVersion(t *testing.T, dbURL string) int64 {
	t.Helper()
	// Closed before the import runs: an open store is another process's.
	store, err := models.Open(context.Background(), dbURL, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	return storetest.ModelVersion(t, store)
}
