package sync_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// TestREADMEQueriesRun keeps the README's example SQL true: every ```sql
// block of the "Reporting views" section runs on both dialects over a
// story of real deliveries and returns rows.
func TestREADMEQueriesRun(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "## Reporting views"); i >= 0 {
		section = section[i:]
	}
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(section, -1)
	if len(blocks) < 3 {
		t.Fatalf("want the README's example queries, found %d", len(blocks))
	}
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		ingest(t, store, readStory(t, "mixed")...)
		ingest(t, store, readStory(t, "fixr")...)
		ingest(t, store, readStory(t, "vibes")...)
		ingest(t, store, readCase(t, "testdata/tradablebits/submit_form.json"))
		for _, b := range blocks {
			q := strings.TrimSuffix(strings.TrimSpace(b[1]), ";")
			rows, err := store.Read.Raw(q).Rows()
			if err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			if n == 0 {
				t.Errorf("no rows from\n%s", q)
			}
		}
	})
}
