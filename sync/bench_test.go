package sync_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// fixrTicketSold is a realistic ~1.2 KB FIXR ticket_sold for fan n of a pool,
// all for one hot event.
func fixrTicketSold(i, fan int) []byte {
	return fmt.Appendf(nil, `{"event":"ticket_sold","payload":{"booking_fee":{"amount":"0.82","currency":"GBP"},
"event_id":"919509149","event_name":"Hot Event","event_url":"https://eventurl.com","order_reference":"ord-%d",
"price":{"amount":"8.0","currency":"GBP"},"promo_code":null,"reserved_at":"2023-09-20T11:11:05UTC","sold_at":"2023-09-20T11:11:17UTC",
"ticket_holders":[{"first_name":"Fan","last_name":"Number %d","email":"fan%d@example.com","date_of_birth":"1991-05-11",
"mobile_number":"+4477009%05d","gender":"m","gender_self_describe":null,"user_uuid":"user-%d","contact_preferences_user_response":"opt_in"}],
"ticket_reference":"ref-%d","ticket_type":"General Admission","ticket_type_category":null,"ticket_type_id":"540568","timeslot":null,"quantity":1,
"location":{"location_id":"15128","name":"02 Arena","address":"London SE10 0DX","online":false,"postcode":"SE10 0DX","country":"United Kingdom","city":"London","timezone":"Europe/London"}},
"created":"2023-09-20T11:11:19UTC","message_id":"msg-%d","fixr_account_id":"930327450"}`, i, fan, fan, fan%100000, fan, i, i)
}

// BenchmarkNormalize measures the worker alone: deliveries are stored
// first, then drained; it reports deliveries per second. Fans recur (a pool
// of b.N/2), every ticket is for one hot event.
func BenchmarkNormalize(b *testing.B) {
	for _, dialect := range storetest.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			store := storetest.Open(b, dialect)
			ds := make([]*models.Delivery, b.N)
			for i := range ds {
				ds[i] = &models.Delivery{Provider: "fixr", Body: fixrTicketSold(i, i/2), ReceivedAt: time.Now()}
			}
			if _, err := sync.ImportDeliveries(context.Background(), store, ds); err != nil {
				b.Fatal(err)
			}
			w := sync.NewWorker(store, zerolog.New(os.Stderr), sync.WorkerOptions{})
			b.ResetTimer()
			start := time.Now()
			n, err := w.Drain(context.Background())
			if err != nil || n != b.N {
				b.Fatalf("drained %d of %d: %v", n, b.N, err)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}

// preloadFans inserts n fans with their email, phone and FIXR identities in
// bulk, shaped like the fans fixrTicketSold names, so a benchmark can start
// from a database of any size without normalizing n deliveries first.
func preloadFans(b *testing.B, store *models.Store, n int) {
	b.Helper()
	series := fmt.Sprintf("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < %d) SELECT i FROM s", n-1)
	phone := "'+4477009' || substr('00000' || (i % 100000), -5)"
	if store.Dialect == models.DialectPostgres {
		series = fmt.Sprintf("SELECT generate_series(0, %d) AS i", n-1)
		phone = "'+4477009' || lpad((i % 100000)::text, 5, '0')"
	}
	stmts := []string{
		`INSERT INTO fans (email, phone, first_name, last_name, search_name, search_name_rev, field_times,
			first_seen_at, last_seen_at, created_at, updated_at)
		SELECT 'fan' || i || '@example.com', ` + phone + `, 'Fan', 'Number ' || i, 'fan number ' || i, 'number ' || i || ' fan', '{}',
			CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM (` + series + `) s`,
		`INSERT INTO fan_identities (fan_id, kind, value, provider, first_seen_at)
		SELECT id, 'email', email, 'fixr', CURRENT_TIMESTAMP FROM fans`,
		`INSERT INTO fan_identities (fan_id, kind, value, provider, first_seen_at)
		SELECT id, 'phone', phone, 'fixr', CURRENT_TIMESTAMP FROM fans`,
		`INSERT INTO fan_identities (fan_id, kind, value, provider, first_seen_at)
		SELECT id, 'fixr_user', 'user-' || substr(email, 4, length(email) - 15), 'fixr', CURRENT_TIMESTAMP FROM fans`,
	}
	for _, q := range stmts {
		if err := store.DB.Exec(q).Error; err != nil {
			b.Fatalf("preload fans: %v", err)
		}
	}
	if store.Dialect == models.DialectPostgres {
		store.DB.Exec("ANALYZE")
	}
}

// BenchmarkNormalizeAtScale shows how normalization cost grows with the
// number of fans already known: 10k and 100k by default, 1M too with
// FANHOOK_BENCH_SCALE=1. Each delivery names a fan of the pool.
func BenchmarkNormalizeAtScale(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if os.Getenv("FANHOOK_BENCH_SCALE") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	for _, dialect := range storetest.Dialects() {
		for _, fans := range sizes {
			b.Run(fmt.Sprintf("%s/fans=%d", dialect, fans), func(b *testing.B) {
				store := storetest.Open(b, dialect)
				preloadFans(b, store, fans)
				ds := make([]*models.Delivery, b.N)
				for i := range ds {
					ds[i] = &models.Delivery{Provider: "fixr", Body: fixrTicketSold(i, (i*7919)%fans), ReceivedAt: time.Now()}
				}
				if _, err := sync.ImportDeliveries(context.Background(), store, ds); err != nil {
					b.Fatal(err)
				}
				w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})
				b.ResetTimer()
				start := time.Now()
				n, err := w.Drain(context.Background())
				if err != nil || n != b.N {
					b.Fatalf("drained %d of %d: %v", n, b.N, err)
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "deliveries/s")
				var live int64
				store.Read.Raw("SELECT COUNT(*) FROM report_fans").Scan(&live)
				if live != int64(fans) {
					b.Fatalf("%d fans after normalizing deliveries of known fans, want %d", live, fans)
				}
			})
		}
	}
}
