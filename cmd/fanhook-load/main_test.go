package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var testTokens = [nProviders]string{"fx", "tk", "tb", "vb"}

// fakeFanhook checks authentication like the contract says and answers mostly
// "accepted", sometimes "duplicate" and now and then 503, so every counter gets used.
func fakeFanhook(t *testing.T, received *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := received.Add(1)
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(testTokens[provTikkl]))
		mac.Write(body)
		authed := map[string]bool{
			"/webhooks/fixr":         r.Header.Get("Authorization") == "Bearer "+testTokens[provFixr],
			"/webhooks/tikkl":        r.Header.Get("X-Tikkl-Signature") == "sha256="+hex.EncodeToString(mac.Sum(nil)),
			"/webhooks/tradablebits": r.Header.Get("Authorization") == "Bearer "+testTokens[provTradableBits],
			"/webhooks/vibes":        r.URL.Query().Get("token") == testTokens[provVibes],
		}[r.URL.Path]
		switch {
		case !json.Valid(body) || !authed:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"bad auth or body"}`))
		case n%50 == 0:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":"database is locked"}`))
		case n%7 == 0:
			_, _ = w.Write([]byte(`{"status":"duplicate","delivery_id":3}`))
		default:
			_, _ = w.Write([]byte(`{"status":"accepted","delivery_id":4}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func checkCounts(t *testing.T, s summary, received int64) {
	t.Helper()
	if s.Sent == 0 {
		t.Fatal("nothing sent")
	}
	var byStatus, byProvider int64
	for _, n := range s.Status {
		byStatus += n
	}
	for _, p := range s.Providers {
		byProvider += p.Sent
	}
	switch {
	case s.Sent != s.OK+s.Failed || s.OK != s.Accepted+s.Duplicate+s.OtherOK:
		t.Errorf("sent %d ≠ ok %d + failed %d, or ok ≠ accepted+duplicate+other", s.Sent, s.OK, s.Failed)
	case s.Sent != byStatus+s.Errors || s.Sent != byProvider || s.Sent != received:
		t.Errorf("sent %d, statuses+errors %d, providers %d, server saw %d", s.Sent, byStatus+s.Errors, byProvider, received)
	case s.Status["200"] != s.OK || s.Status["401"] != 0 || s.Errors != 0:
		t.Errorf("status %v, transport errors %d", s.Status, s.Errors)
	case s.Duplicate == 0 || s.Status["503"] == 0 && s.Sent >= 50:
		t.Errorf("duplicates %d, status %v: expected some of each", s.Duplicate, s.Status)
	}
}

func testSpec(base string) loadSpec {
	return loadSpec{baseURL: base, workers: 8, duration: 300 * time.Millisecond, tokens: testTokens,
		weights: [nProviders]int{70, 10, 10, 10}, seed: 7, pool: newPool(7, 500, 3),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}}
}

func TestClosedLoopCountsAddUp(t *testing.T) {
	var received atomic.Int64
	srv := fakeFanhook(t, &received)
	s := runLoad(context.Background(), "target", testSpec(srv.URL))
	checkCounts(t, s, received.Load())
	if s.Mode != "closed" || len(s.Providers) != nProviders {
		t.Errorf("mode %s, providers %v", s.Mode, s.Providers)
	}
}

func TestOpenLoopCountsAddUp(t *testing.T) {
	var received atomic.Int64
	srv := fakeFanhook(t, &received)
	sp := testSpec(srv.URL)
	sp.rate = 400
	s := runLoad(context.Background(), "target", sp)
	checkCounts(t, s, received.Load())
	if s.Sent+s.Missed > 121 { // 0.3 s × 400/s = 120 slots, the one at t0 included
		t.Errorf("open loop sent %d + missed %d, more than the schedule's 120", s.Sent, s.Missed)
	}
}

// A target slower than --rate: the requests due before the end are sent
// late rather than dropped, and their wait counts in the percentiles.
func TestOpenLoopSendsWhatFellBehind(t *testing.T) {
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		time.Sleep(30 * time.Millisecond) // two workers: at most ~66 requests/s
		_, _ = w.Write([]byte(`{"status":"accepted","delivery_id":1}`))
	}))
	t.Cleanup(srv.Close)
	sp := testSpec(srv.URL)
	sp.workers, sp.rate, sp.duration = 2, 100, 400*time.Millisecond // 40 due
	s := runLoad(context.Background(), "target", sp)
	if s.Sent != 40 || s.Missed != 0 || received.Load() != 40 {
		t.Errorf("sent %d, missed %d, server saw %d; want all 40 due sent", s.Sent, s.Missed, received.Load())
	}
	if s.Latency.P99 < 100 {
		t.Errorf("p99 %.1f ms: the queueing behind a slow target is not in it", s.Latency.P99)
	}
}

func TestRequestCap(t *testing.T) {
	var received atomic.Int64
	srv := fakeFanhook(t, &received)
	sp := testSpec(srv.URL)
	sp.duration, sp.requests = 0, 37
	if s := runLoad(context.Background(), "target", sp); s.Sent != 37 || received.Load() != 37 {
		t.Errorf("sent %d, server saw %d, want 37", s.Sent, received.Load())
	}
}

func TestRunJSONAndExitStatus(t *testing.T) {
	var received atomic.Int64
	srv := fakeFanhook(t, &received)
	env := func(k string) string {
		return map[string]string{"FANHOOK_FIXR_TOKEN": "fx,old", "FANHOOK_TIKKL_SECRET": "tk",
			"FANHOOK_TRADABLEBITS_TOKEN": "tb", "FANHOOK_VIBES_TOKEN": "vb"}[k]
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--url", srv.URL, "--duration", "300ms",
		"--concurrency", "4", "--ceiling", "--json"}, &out, &errb, env)
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("JSON output: %v\n%s", err, out.String())
	}
	if rep.Target == nil || rep.Ceiling == nil || rep.Ratio == nil || rep.Ceiling.Accepted != rep.Ceiling.Sent {
		t.Fatalf("report incomplete: %s", out.String())
	}
	checkCounts(t, *rep.Target, received.Load())
	// One 503 in 50 is 2% failed: over the 1% limit, so the run must fail.
	if code != 1 || !strings.Contains(errb.String(), "limit 1%") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}

	out.Reset()
	errb.Reset()
	code = run(context.Background(), []string{"--url", "http://127.0.0.1:1", "--duration", "100ms"}, &out, &errb, env)
	if code != 1 || !strings.Contains(errb.String(), "cannot reach target http://127.0.0.1:1") {
		t.Errorf("unreachable target: exit %d, stderr %q", code, errb.String())
	}
	if code = run(context.Background(), []string{"--mix", "fixr=abc"}, &out, &errb, env); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}

// --import-file writes fanhook import's JSON lines: every provider of the
// mix, one delivery per line, bodies as JSON objects, times in RFC 3339.
func TestImportFileWritesImportLines(t *testing.T) {
	path := t.TempDir() + "/d.jsonl"
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--import-file", path, "--requests", "400", "--seed", "7"},
		&out, &errb, func(string) string { return "x" })
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines, want 400", len(lines))
	}
	seen := map[string]int{}
	for i, l := range lines {
		var rec struct {
			Provider   string         `json:"provider"`
			ReceivedAt time.Time      `json:"received_at"`
			Body       map[string]any `json:"body"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.ReceivedAt.IsZero() || len(rec.Body) == 0 {
			t.Fatalf("line %d %q: %v", i+1, l, err)
		}
		seen[rec.Provider]++
	}
	for _, p := range providerNames {
		if seen[p] == 0 {
			t.Errorf("no %s delivery in %v", p, seen)
		}
	}
}
