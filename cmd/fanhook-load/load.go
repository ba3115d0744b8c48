package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// loadSpec is everything one run needs; the ceiling and the target get the same one but
// for the base URL, so their numbers are comparable.
type loadSpec struct {
	baseURL  string
	workers  int
	rate     float64 // requests/s; 0 means closed loop
	duration time.Duration
	requests int64 // 0 means no cap
	tokens   [nProviders]string
	weights  [nProviders]int
	seed     uint64
	pool     *pool
	client   *http.Client
}

type loader struct {
	loadSpec
	urls   [nProviders]string
	t0     time.Time
	end    time.Time
	claims atomic.Int64 // requests (closed loop) or schedule slots (open loop) taken
}

func runLoad(ctx context.Context, name string, sp loadSpec) summary {
	l := &loader{loadSpec: sp}
	for i, p := range providerNames {
		l.urls[i] = sp.baseURL + "/webhooks/" + p
	}
	if tok := sp.tokens[provVibes]; tok != "" { // Vibes cannot send headers, only a URL
		l.urls[provVibes] += "?token=" + url.QueryEscape(tok)
	}
	l.t0 = time.Now()
	l.end = l.t0.Add(sp.duration)
	if sp.duration <= 0 {
		l.end = l.t0.Add(100 * 365 * 24 * time.Hour)
	}
	per := make([]*stats, sp.workers)
	var wg sync.WaitGroup
	for w := range per {
		per[w] = newStats()
		wg.Go(func() { l.worker(ctx, w, per[w]) })
	}
	wg.Wait()
	elapsed := time.Since(l.t0)

	total := newStats()
	for _, s := range per {
		total.merge(s)
	}
	sm := summary{Name: name, URL: sp.baseURL, Mode: "closed", Workers: sp.workers}
	if sp.rate > 0 {
		sm.Mode, sm.Rate = "open", sp.rate
		// Slots due before the end (or the interruption) that were never sent: the target
		// (or the worker pool) could not keep up with --rate.
		window := min(elapsed, sp.duration)
		if sp.duration <= 0 {
			window = elapsed
		}
		due := int64(math.Ceil(window.Seconds() * sp.rate))
		if sp.requests > 0 {
			due = min(due, sp.requests)
		}
		sm.Missed = max(due-total.sent, 0)
	}
	total.summarize(&sm, elapsed)
	return sm
}

func (l *loader) worker(ctx context.Context, w int, st *stats) {
	g := newGenerator(l.pool, l.seed, w, l.weights, l.tokens[provTikkl])
	// The next body is built before its send time, so generation stays out of the latency.
	req := g.next()
	for ctx.Err() == nil && (l.rate > 0 || time.Now().Before(l.end)) {
		i := l.claims.Add(1) - 1
		if l.requests > 0 && i >= l.requests {
			return
		}
		start := time.Now()
		if l.rate > 0 {
			// Open loop: request i is due at t0 + i/rate whatever happened before. Timing
			// from that due time, not from when a busy worker got round to it, keeps a
			// stalled server's queueing in the numbers (no coordinated omission). A
			// request due before the end is sent even after it, when the target fell
			// behind: left out, the slowest requests would be missing from the
			// percentiles. Past twice the duration the rest count as never sent.
			start = l.t0.Add(time.Duration(float64(i) * float64(time.Second) / l.rate))
			if !start.Before(l.end) || !sleepUntil(ctx, start) || time.Now().After(l.end.Add(l.duration)) {
				return
			}
		}
		out := l.send(req)
		st.record(req.provider, "/webhooks/"+providerNames[req.provider], out, time.Since(start))
		req = g.next()
	}
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

func (l *loader) send(r request) outcome {
	// Requests are not tied to ctx: at the end or on Ctrl-C, in-flight ones finish and count.
	req, err := http.NewRequest(http.MethodPost, l.urls[r.provider], bytes.NewReader(r.body))
	if err != nil {
		return outcome{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "fanhook-load/1")
	switch r.provider {
	case provFixr, provTradableBits:
		if tok := l.tokens[r.provider]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	case provTikkl:
		req.Header.Set("X-Tikkl-Signature", r.sig)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return outcome{err: err}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_, _ = io.Copy(io.Discard, resp.Body) // drain so the connection is reused
	resp.Body.Close()
	if err != nil {
		return outcome{err: fmt.Errorf("reading response: %w", err)}
	}
	return outcome{code: resp.StatusCode, body: body}
}
