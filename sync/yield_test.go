package sync

import (
	"testing"
	"time"
)

// A worker behind its deliveries applies longer before it yields, up to
// MaxBatchTime.
func TestYieldAfterGrowsWithLag(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	w := &Worker{opts: WorkerOptions{MinBatchTime: time.Millisecond, MaxBatchTime: 10 * time.Millisecond,
		Now: func() time.Time { return now }}}
	for _, tc := range []struct {
		waited time.Duration
		want   time.Duration
	}{
		{0, time.Millisecond},
		{-time.Second, time.Millisecond}, // a clock step back never goes under the floor
		{50 * time.Millisecond, 2 * time.Millisecond},
		{200 * time.Millisecond, 5 * time.Millisecond},
		{450 * time.Millisecond, 10 * time.Millisecond},
		{time.Hour, 10 * time.Millisecond}, // a replay of old deliveries
	} {
		if got := w.yieldAfter(now.Add(-tc.waited)); got != tc.want {
			t.Errorf("oldest waited %v: yield after %v, want %v", tc.waited, got, tc.want)
		}
	}
}

// A worker over a second behind claims twice as many deliveries while no
// webhook waits for the writer, and four times as many once webhooks stop.
func TestClaimsGrowWhenBehind(t *testing.T) {
	var waiting, idle bool
	w := &Worker{opts: WorkerOptions{BatchSize: 64, MaxBatchTime: 10 * time.Millisecond,
		Yield: func() bool { return waiting }, Idle: func() bool { return idle }}}
	for _, tc := range []struct {
		behind        time.Duration
		waiting, idle bool
		want          int
		wantTime      time.Duration
	}{
		{0, false, false, 64, 10 * time.Millisecond},
		{500 * time.Millisecond, false, false, 64, 10 * time.Millisecond},
		{2 * time.Second, false, false, 128, 20 * time.Millisecond},
		{2 * time.Second, true, false, 64, 10 * time.Millisecond}, // webhooks waiting go first
		{0, false, true, 256, 40 * time.Millisecond},
		{2 * time.Second, false, true, 256, 40 * time.Millisecond},
	} {
		w.behind.Store(int64(tc.behind))
		waiting, idle = tc.waiting, tc.idle
		if n, d := w.claimSize(); n != tc.want || d != tc.wantTime {
			t.Errorf("behind %v, webhooks waiting %v, idle %v: claim %d for %v, want %d for %v",
				tc.behind, tc.waiting, tc.idle, n, d, tc.want, tc.wantTime)
		}
	}
}
