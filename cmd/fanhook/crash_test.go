package main

import (
	"fmt"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// TestCrashSafety SIGKILLs `fanhook serve` in the middle of a burst of
// deliveries: every delivery answered 200 must be there after a restart,
// and normalized.
func TestCrashSafety(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) { testCrashSafety(t, dialect) })
	}
}

func testCrashSafety(t *testing.T, dialect string) {
	const (
		total     = 2000
		senders   = 16
		killAfter = 600
		token     = "crash-fixr-token-93ad71"
		adminPass = "crash-admin-password-77"
	)
	dbURL := storetest.URL(t, dialect)
	env := map[string]string{
		"FANHOOK_DATABASE_URL":   dbURL,
		"FANHOOK_FIXR_TOKEN":     token,
		"FANHOOK_ADMIN_PASSWORD": adminPass,
	}
	first := startServer(t, env)

	var (
		mu       gosync.Mutex
		accepted = map[int]int64{} // delivery index -> delivery_id
		oks      atomic.Int64
		killOnce gosync.Once
		wg       gosync.WaitGroup
	)
	jobs := make(chan int)
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r, err := postFIXR(first.URL, token, fixrBody("crash", i))
				if err != nil || r.Status != 200 {
					continue
				}
				mu.Lock()
				accepted[i] = r.Body.DeliveryID
				mu.Unlock()
				if oks.Add(1) == killAfter {
					killOnce.Do(func() { first.kill(t) })
				}
			}
		}()
	}
	for i := range total {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	killOnce.Do(func() { first.kill(t) }) // in case the burst was faster than the kill
	if len(accepted) < killAfter {
		t.Fatalf("only %d deliveries accepted before the crash", len(accepted))
	}
	t.Logf("%d of %d deliveries answered 200 before SIGKILL", len(accepted), total)

	second := startServer(t, env)
	store := openTestStore(t, dbURL)
	waitFor(t, 60*time.Second, "no pending deliveries after restart", func() (bool, error) {
		n, err := countWhere(t, store, "status = ?", models.StatusPending)
		return err == nil && n == 0, err
	})
	for i, id := range accepted {
		var row struct {
			Status string
			Body   []byte
		}
		if err := store.Read.Raw("SELECT status, body FROM deliveries WHERE id = ?", id).Scan(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.Status != models.StatusProcessed {
			t.Errorf("delivery %d (message %d) answered 200 but has status %q", id, i, row.Status)
			continue
		}
		if !strings.Contains(string(row.Body), fmt.Sprintf(`"message_id":"crash-%d"`, i)) {
			t.Errorf("delivery %d does not hold message crash-%d", id, i)
		}
	}
	second.stop(t)

	logs := first.stderr.String() + second.stderr.String()
	checkNoLeaks(t, logs, token, adminPass)
}
