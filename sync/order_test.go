package sync_test

import (
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// readStory reads testdata/stories/<name>/*.json; each file is named
// N-<provider>-<what>.json.
func readStory(t testing.TB, name string) []delivery {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "stories", name, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("story %s: %v", name, err)
	}
	var ds []delivery
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.SplitN(filepath.Base(p), "-", 3)
		ds = append(ds, delivery{provider: parts[1], body: body})
	}
	return ds
}

// resetStore empties every table, faster than a new database per ordering.
func resetStore(t testing.TB, store *models.Store) {
	t.Helper()
	for _, table := range []string{"fan_deliveries", "scans", "consent_changes", "form_entries", "tickets",
		"orders", "events", "fan_merges", "fan_identities", "suppressions", "vibes_lists", "fans", "deliveries"} {
		if err := store.DB.Exec("DELETE FROM " + table).Error; err != nil {
			t.Fatalf("reset %s: %v", table, err)
		}
	}
}

// orderings returns every permutation of n items when there are at most
// maxAll of them, else `random` random ones (the identity first).
func orderings(n, random int, rng *rand.Rand) [][]int {
	identity := make([]int, n)
	for i := range identity {
		identity[i] = i
	}
	if factorial(n) <= 720 {
		var all [][]int
		permute(identity, 0, &all)
		return all
	}
	out := [][]int{identity}
	for len(out) < random {
		out = append(out, rng.Perm(n))
	}
	return out
}

func factorial(n int) int {
	f := 1
	for i := 2; i <= n; i++ {
		f *= i
	}
	return f
}

func permute(a []int, k int, out *[][]int) {
	if k == len(a) {
		*out = append(*out, append([]int(nil), a...))
		return
	}
	for i := k; i < len(a); i++ {
		a[k], a[i] = a[i], a[k]
		permute(a, k+1, out)
		a[k], a[i] = a[i], a[k]
	}
}

// TestOrderIndependence: for each provider's story and a story across
// providers, every ordering of the same deliveries gives the same views.
func TestOrderIndependence(t *testing.T) {
	stories := []string{"fixr", "tikkl", "tradablebits", "vibes", "mixed", "emailchange", "scantie", "phonelink"}
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		random := 200
		if testing.Short() || store.Dialect == models.DialectPostgres {
			random = 40 // every permutation still runs for the short stories
		}
		for _, name := range stories {
			t.Run(name, func(t *testing.T) {
				ds := readStory(t, name)
				rng := rand.New(rand.NewSource(int64(len(name))))
				var want string
				for i, order := range orderings(len(ds), random, rng) {
					if i > 0 && store.Dialect == models.DialectPostgres && i%6 != 0 && len(ds) <= 6 {
						continue // PostgreSQL: a sixth of the permutations of short stories
					}
					resetStore(t, store)
					shuffled := make([]delivery, len(ds))
					for j, k := range order {
						shuffled[j] = ds[k]
					}
					ingest(t, store, shuffled...)
					got := dumpViews(t, store, false)
					if want == "" {
						want = got
						continue
					}
					if got != want {
						t.Fatalf("order %v gives different views\n--- got\n%s\n--- want (order 0..n)\n%s", order, got, want)
					}
				}
			})
		}
	})
}

// TestReplayTwiceChangesNothing replays every delivery of the mixed story
// twice over; the views stay as they were.
func TestReplayTwiceChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		for _, name := range []string{"fixr", "mixed", "vibes"} {
			resetStore(t, store)
			ingest(t, store, readStory(t, name)...)
			before := dumpViews(t, store, true)
			for range 2 {
				replayAll(t, store)
			}
			if after := dumpViews(t, store, true); after != before {
				t.Fatalf("%s: replay changed the views\n--- after\n%s\n--- before\n%s", name, after, before)
			}
			// Redelivering every body is a duplicate and changes nothing either.
			ingest(t, store, readStory(t, name)...)
			if again := dumpViews(t, store, true); again != before {
				t.Fatalf("%s: redelivery changed the views\n%s", name, again)
			}
		}
	})
}

// Scans of one ticket at one time are one scan, and which one the row
// keeps does not depend on their order, whether a batch applies them
// together, one by one, or row by row in SQL.
func TestTiedScansKeepTheSameOne(t *testing.T) {
	story := readStory(t, "scantie")
	for _, v := range []struct {
		name    string
		batch   int
		careful bool
	}{{"one batch", 0, false}, {"one by one", 1, false}, {"row by row", 0, true}} {
		for _, reversed := range []bool{false, true} {
			store := storetest.Open(t, models.DialectSQLite)
			ds := append([]delivery{story[0]}, story[1:]...)
			if reversed {
				slices.Reverse(ds[1:])
			}
			accept(t, store, ds...)
			w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{BatchSize: v.batch})
			if v.careful {
				sync.AlwaysCareful(w)
			}
			if _, err := w.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			var people int64
			var status string
			if err := store.Read.Raw("SELECT people_in, entry_status FROM scans").Row().Scan(&people, &status); err != nil {
				t.Fatal(err)
			}
			if people != 2 || status != "Confirmed" {
				t.Errorf("%s, reversed=%v: scan kept %d in, %q; want 2, Confirmed", v.name, reversed, people, status)
			}
		}
	}
}
