package web

import "testing"

// The chart's top is a round number of four gridlines, never below the
// tallest bar and never so far above it that the bars shrink to a strip.
func TestNiceMax(t *testing.T) {
	for v, want := range map[int64]int64{0: 4, 3: 4, 5: 8, 9: 12, 41: 48, 100: 100, 2100: 2400, 2999: 3200, 4001: 4800, 9000: 10000} {
		if got := niceMax(v); got != want {
			t.Errorf("niceMax(%d) = %d, want %d", v, got, want)
		}
	}
	for v := int64(5); v < 200_000; v += 37 {
		if top := niceMax(v); top < v || top*3 > v*4+12 {
			t.Fatalf("niceMax(%d) = %d: want at least v, at most about 4/3 of it", v, top)
		}
	}
}
