package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// BenchmarkFanSearch measures one page of fan search, as the page runs it,
// over many fans, and reports the 95th percentile. The fan count comes from
// FANHOOK_BENCH_FANS (default 20000; the target for a manual run is
// 1000000) and the database from FANHOOK_BENCH_DIALECT (sqlite, or postgres
// with FANHOOK_TEST_POSTGRES_URL):
//
//	FANHOOK_BENCH_FANS=1000000 go test -run '^$' -bench FanSearch -benchtime 2000x ./web
func BenchmarkFanSearch(b *testing.B) {
	n := 20000
	if v := os.Getenv("FANHOOK_BENCH_FANS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("FANHOOK_BENCH_FANS=%q", v)
		}
	}
	dialect := models.DialectSQLite
	if os.Getenv("FANHOOK_BENCH_DIALECT") == models.DialectPostgres {
		dialect = models.DialectPostgres
	}
	store := storetest.Open(b, dialect)
	start := time.Now()
	queries := seedFans(b, store, n)
	b.Logf("seeded %d fans on %s in %s", n, dialect, time.Since(start).Round(time.Millisecond))

	ctx := context.Background()
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := queries[i%len(queries)]
		t0 := time.Now()
		hits, _, err := searchFans(ctx, store.Read, store.Dialect, fanSearch{Q: q, Limit: fansPageSize})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := loadFanSummaries(ctx, store.Read, hits); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	pct := func(p float64) float64 {
		return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(float64(n), "fans")
}

var (
	benchFirst = []string{"James", "Mary", "Oliver", "Amelia", "Noah", "Olivia", "Jack", "Isla", "Harry", "Ava",
		"Leo", "Mia", "Oscar", "Ivy", "George", "Freya", "Sofía", "Zoë", "Mohammed", "Aisha", "Chen", "Priya"}
	benchLast = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
		"Wright", "Walker", "Evans", "Thomas", "Roberts", "Müller", "O'Brien", "Nguyen", "Khan", "García", "Kowalski"}
)

// seedFans inserts n fans in bulk and returns search strings of every kind:
// email, name, "last first" and phone prefixes, of several lengths.
func seedFans(b *testing.B, store *models.Store, n int) []string {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	const chunk = 500
	var queries []string
	sqlDB := store.SQL()
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		var sb strings.Builder
		sb.WriteString(`INSERT INTO fans (email, phone, first_name, last_name, search_name, search_name_rev,
			first_seen_at, last_seen_at, created_at, updated_at) VALUES `)
		args := make([]any, 0, (end-start)*10)
		for i := start; i < end; i++ {
			first, last := benchFirst[rng.IntN(len(benchFirst))], benchLast[rng.IntN(len(benchLast))]
			email := strings.ToLower(fmt.Sprintf("%s.%s%d@example.com", first[:min(3, len(first))], strings.ReplaceAll(last, "'", ""), i))
			phone := fmt.Sprintf("+447%09d", rng.IntN(1_000_000_000))
			name := strings.ToLower(first + " " + last)
			rev := strings.ToLower(last + " " + first)
			if i > start {
				sb.WriteString(", ")
			}
			p := len(args)
			if store.Dialect == models.DialectPostgres {
				sb.WriteString("(")
				for k := 1; k <= 10; k++ {
					if k > 1 {
						sb.WriteString(", ")
					}
					sb.WriteString("$" + strconv.Itoa(p+k))
				}
				sb.WriteString(")")
			} else {
				sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			}
			args = append(args, email, phone, first, last, name, rev, now, now, now, now)
			if rng.IntN(max(1, n/200)) == 0 {
				queries = append(queries, email[:4+rng.IntN(6)], name[:min(len(name), 3+rng.IntN(8))],
					rev[:min(len(rev), 4+rng.IntN(6))], phone[:6+rng.IntN(5)])
			}
		}
		if _, err := sqlDB.Exec(sb.String(), args...); err != nil {
			b.Fatalf("seed fans: %v", err)
		}
	}
	if _, err := sqlDB.Exec("ANALYZE"); err != nil {
		b.Fatalf("analyze: %v", err)
	}
	queries = append(queries, "", "zz-no-match", "o'b", "+4477")
	return queries
}
