package main

import (
	"net/http"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// TestTwoReplicasOnePostgres sends every delivery to two `serve` processes
// on one PostgreSQL database at once, as a provider retrying through a load
// balancer would: each is stored once and normalized once.
func TestTwoReplicasOnePostgres(t *testing.T) {
	const (
		total     = 500
		senders   = 16
		token     = "replica-fixr-token-c4e2"
		vibes     = "replica-vibes-token-81f0"
		adminPass = "replica-admin-password-3"
	)
	dbURL := storetest.URL(t, models.DialectPostgres)
	env := map[string]string{
		"FANHOOK_DATABASE_URL":   dbURL,
		"FANHOOK_FIXR_TOKEN":     token,
		"FANHOOK_VIBES_TOKEN":    vibes,
		"FANHOOK_ADMIN_PASSWORD": adminPass,
		"FANHOOK_LOG_LEVEL":      "debug",
	}
	// Both start at once on the fresh database: the migration lock lets
	// one migrate while the other waits.
	var a, b *server
	var starting gosync.WaitGroup
	starting.Add(2)
	go func() { defer starting.Done(); a = startServer(t, env) }()
	go func() { defer starting.Done(); b = startServer(t, env) }()
	starting.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}

	// A provider retries a 503; the delivery must still be stored once. But
	// two replicas taking the same deliveries is normal load, where a 503
	// (e.g. a deadlock between their inbox commits) is a defect: counted.
	var (
		wg          gosync.WaitGroup
		unavailable atomic.Int64
	)
	send := func(base string, i int) webhookResult {
		for attempt := 0; ; attempt++ {
			r, err := postFIXR(base, token, fixrBody("replica", i))
			if err == nil && r.Status == http.StatusServiceUnavailable && attempt < 20 {
				unavailable.Add(1)
				time.Sleep(100 * time.Millisecond)
				continue
			}
			if err != nil || r.Status != 200 {
				t.Errorf("delivery %d to %s: %+v %v", i, base, r, err)
			}
			return r
		}
	}
	jobs := make(chan int)
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				var both gosync.WaitGroup
				res := make([]webhookResult, 2)
				for k, base := range []string{a.URL, b.URL} {
					both.Add(1)
					go func() {
						defer both.Done()
						res[k] = send(base, i)
					}()
				}
				both.Wait()
				if res[0].Body.DeliveryID != res[1].Body.DeliveryID {
					t.Errorf("delivery %d: the replicas answered delivery ids %d and %d",
						i, res[0].Body.DeliveryID, res[1].Body.DeliveryID)
				}
			}
		}()
	}
	for i := range total {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if n := unavailable.Load(); n > 0 {
		t.Errorf("%d answers were 503 under normal two-replica load (see the log for the cause)", n)
	}

	// Secrets offered in a query string or a wrong header must not be logged.
	for _, u := range []string{a.URL + "/webhooks/vibes?token=" + vibes, a.URL + "/webhooks/vibes?token=wrong-vibes-guess-55"} {
		res, err := http.Post(u, "application/json", strings.NewReader(`{"event_id":"leak-check","callback_type":"unknown_thing"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if r, err := postFIXR(b.URL, "wrong-fixr-guess-66", fixrBody("replica", 0)); err != nil || r.Status != 401 {
		t.Errorf("wrong token: %+v %v", r, err)
	}

	store := openTestStore(t, dbURL)
	waitFor(t, 60*time.Second, "no pending deliveries", func() (bool, error) {
		n, err := countWhere(t, store, "status = ?", models.StatusPending)
		return err == nil && n == 0, err
	})
	if n, err := countWhere(t, store, "provider = 'fixr'"); err != nil || n != total {
		t.Errorf("stored %d FIXR deliveries (%v), want %d", n, err, total)
	}
	var dup int64
	if err := store.Read.Raw(`SELECT COUNT(*) FROM (SELECT dedup_key FROM deliveries
		GROUP BY provider, dedup_key HAVING COUNT(*) > 1) d`).Scan(&dup).Error; err != nil || dup != 0 {
		t.Errorf("%d dedup keys stored more than once (%v)", dup, err)
	}
	if n, err := countWhere(t, store, "provider = 'fixr' AND (status <> ? OR attempts <> 1)", models.StatusProcessed); err != nil || n != 0 {
		t.Errorf("%d FIXR deliveries not processed exactly once (%v)", n, err)
	}

	a.stop(t)
	b.stop(t)
	checkNoLeaks(t, a.stderr.String()+b.stderr.String(), token, vibes, adminPass, "wrong-vibes-guess-55", "wrong-fixr-guess-66")
}
