package sync_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

var update = flag.Bool("update", false, "rewrite the .golden files")

// TestGoldenViews runs each documented payload (sync/testdata/<provider>/
// <case>.json) through the inbox and the worker on a fresh database, and
// compares every reporting view with <case>.golden. Both dialects must give
// the same rows.
func TestGoldenViews(t *testing.T) {
	cases, err := filepath.Glob("testdata/*/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var providerCases []string
	for _, c := range cases {
		switch filepath.Base(filepath.Dir(c)) {
		case models.ProviderFIXR, models.ProviderTikkl, models.ProviderTradableBits, models.ProviderVibes:
			providerCases = append(providerCases, c)
		}
	}
	if len(providerCases) < 20 {
		t.Fatalf("only %d golden cases found", len(providerCases))
	}
	storetest.Each(t, func(t *testing.T, _ *models.Store) {
		dialect := filepath.Base(t.Name())
		for _, path := range providerCases {
			name := strings.TrimSuffix(path, ".json")
			t.Run(strings.TrimPrefix(name, "testdata/"), func(t *testing.T) {
				store := storetest.Open(t, dialect)
				ingest(t, store, readCase(t, path))
				got := dumpViews(t, store, true)
				golden := name + ".golden"
				if *update && dialect == models.DialectSQLite {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./sync -run TestGoldenViews -update)", err)
				}
				if got != string(want) {
					t.Errorf("views differ from %s\n--- got\n%s\n--- want\n%s", golden, got, want)
				}
			})
		}
	})
}
