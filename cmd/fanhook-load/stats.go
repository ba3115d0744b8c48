package main

import (
	"encoding/json"
	"errors"
	"math"
	"math/bits"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// histogram is HDR-like: microseconds, exact below 128µs, then 128 linear sub-buckets per
// power of two (under 0.8% relative error). Memory stays small however long the run, and
// per-worker histograms merge by adding counts.
const subBits = 7
const subCount = 1 << subBits

type histogram struct {
	counts        []uint64
	n, sum, maxUS uint64
}

func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	e := bits.Len64(v) - subBits - 1 // v>>e lies in [128, 256)
	return (e+1)*subCount + int(v>>e) - subCount
}

func bucketLow(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	e := i/subCount - 1
	return uint64(i%subCount+subCount) << e
}

func (h *histogram) record(d time.Duration) {
	us := uint64(max(d, 0) / time.Microsecond)
	i := bucketOf(us)
	if i >= len(h.counts) {
		h.counts = append(h.counts, make([]uint64, i+1-len(h.counts))...)
	}
	h.counts[i]++
	h.n++
	h.sum += us
	h.maxUS = max(h.maxUS, us)
}

func (h *histogram) merge(o *histogram) {
	if len(o.counts) > len(h.counts) {
		h.counts = append(h.counts, make([]uint64, len(o.counts)-len(h.counts))...)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.maxUS = max(h.maxUS, o.maxUS)
}

// quantile returns the middle of the bucket holding the q-th value, capped at the max.
func (h *histogram) quantile(q float64) uint64 {
	rank := max(uint64(math.Ceil(q*float64(h.n))), 1)
	var cum uint64
	for i, c := range h.counts {
		if cum += c; cum >= rank {
			lo := bucketLow(i)
			return min(lo+(bucketLow(i+1)-lo)/2, h.maxUS)
		}
	}
	return h.maxUS
}

// stats is one worker's tally; nothing in it is shared, so recording takes no locks.
type stats struct {
	lat                                           histogram
	sent, accepted, duplicate, otherOK, transport int64
	status                                        map[int]int64
	errKinds                                      map[string]int64
	samples                                       map[int]string
	prov                                          [nProviders]provCount
}

type provCount struct {
	Sent int64 `json:"sent"`
	OK   int64 `json:"ok"`
}

func newStats() *stats {
	return &stats{status: map[int]int64{}, errKinds: map[string]int64{}, samples: map[int]string{}}
}

type outcome struct {
	code int
	body []byte
	err  error
}

func (s *stats) record(provider int, path string, o outcome, d time.Duration) {
	s.sent++
	s.prov[provider].Sent++
	s.lat.record(d)
	if o.err != nil {
		s.transport++
		k := errKind(o.err)
		if _, seen := s.errKinds[k]; !seen && len(s.errKinds) >= 10 {
			k = "other"
		}
		s.errKinds[k]++
		return
	}
	s.status[o.code]++
	if o.code != 200 {
		if _, ok := s.samples[o.code]; !ok { // the server's error text says what is wrong
			oneLine := strings.Join(strings.Fields(string(o.body)), " ")
			s.samples[o.code] = path + " → " + truncate(oneLine, 160)
		}
		return
	}
	s.prov[provider].OK++
	var r struct{ Status string }
	_ = json.Unmarshal(o.body, &r)
	switch r.Status {
	case "accepted":
		s.accepted++
	case "duplicate":
		s.duplicate++
	default:
		s.otherOK++
	}
}

func (s *stats) merge(o *stats) {
	s.lat.merge(&o.lat)
	s.sent += o.sent
	s.accepted += o.accepted
	s.duplicate += o.duplicate
	s.otherOK += o.otherOK
	s.transport += o.transport
	for k, v := range o.status {
		s.status[k] += v
	}
	for k, v := range o.errKinds {
		s.errKinds[k] += v
	}
	for k, v := range o.samples {
		if _, ok := s.samples[k]; !ok {
			s.samples[k] = v
		}
	}
	for i := range s.prov {
		s.prov[i].Sent += o.prov[i].Sent
		s.prov[i].OK += o.prov[i].OK
	}
}

// The local side of a connection ("127.0.0.1:53211->") differs per connection; dropping
// it lets identical errors group together.
var localAddr = regexp.MustCompile(`\S+->`)

func errKind(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return truncate(localAddr.ReplaceAllString(err.Error(), ""), 120)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

type latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// summary is one run's report; its JSON form is what --json prints.
type summary struct {
	Name       string               `json:"name"`
	URL        string               `json:"url"`
	Mode       string               `json:"mode"`
	Workers    int                  `json:"workers"`
	Rate       float64              `json:"rate,omitempty"`
	Elapsed    float64              `json:"elapsed_s"`
	Sent       int64                `json:"sent"`
	OK         int64                `json:"ok"`
	Accepted   int64                `json:"accepted"`
	Duplicate  int64                `json:"duplicate"`
	OtherOK    int64                `json:"ok_other_body"`
	Failed     int64                `json:"failed"`
	FailedPct  float64              `json:"failed_pct"`
	Status     map[string]int64     `json:"status"`
	Errors     int64                `json:"transport_errors"`
	ErrorKinds map[string]int64     `json:"transport_error_kinds,omitempty"`
	Samples    map[string]string    `json:"failure_samples,omitempty"`
	Missed     int64                `json:"missed_schedule,omitempty"`
	RPS        float64              `json:"rps"`
	OKRPS      float64              `json:"ok_rps"`
	Latency    latency              `json:"latency_ms"`
	Providers  map[string]provCount `json:"providers"`
}

func (s *stats) summarize(sm *summary, elapsed time.Duration) {
	ms := func(us uint64) float64 { return math.Round(float64(us)) / 1000 }
	ok := s.accepted + s.duplicate + s.otherOK
	sm.Elapsed = math.Round(elapsed.Seconds()*1000) / 1000
	sm.Sent, sm.OK, sm.Accepted, sm.Duplicate, sm.OtherOK = s.sent, ok, s.accepted, s.duplicate, s.otherOK
	sm.Failed, sm.Errors, sm.ErrorKinds = s.sent-ok, s.transport, s.errKinds
	if s.sent > 0 {
		sm.FailedPct = math.Round(float64(sm.Failed)/float64(s.sent)*1e4) / 100
	}
	sm.Status, sm.Samples = map[string]int64{}, map[string]string{}
	for k, v := range s.status {
		sm.Status[strconv.Itoa(k)] = v
	}
	for k, v := range s.samples {
		sm.Samples[strconv.Itoa(k)] = v
	}
	if sec := elapsed.Seconds(); sec > 0 {
		sm.RPS = math.Round(float64(s.sent)/sec*10) / 10
		sm.OKRPS = math.Round(float64(ok)/sec*10) / 10
	}
	if s.lat.n > 0 {
		sm.Latency = latency{ms(s.lat.quantile(0.5)), ms(s.lat.quantile(0.9)),
			ms(s.lat.quantile(0.99)), ms(s.lat.quantile(0.999)), ms(s.lat.maxUS),
			ms(s.lat.sum / s.lat.n)}
	}
	sm.Providers = map[string]provCount{}
	for i, p := range s.prov {
		if p.Sent > 0 {
			sm.Providers[providerNames[i]] = p
		}
	}
}
