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
