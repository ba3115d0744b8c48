package handlers

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fanhook/fanhook/models"
)

// PendingFunc counts deliveries stored but not yet normalized, e.g.
// func(ctx context.Context) (int64, error) { return sync.PendingCount(ctx, store) }.
type PendingFunc func(ctx context.Context) (int64, error)

// pendingRefresh is how stale fanhook_deliveries_pending may be: a scrape
// storm must not become a query storm.
const pendingRefresh = time.Second

// Metrics are fanhook's Prometheus series. A nil *Metrics records nothing.
type Metrics struct {
	deliveries  *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	tikklForms  *prometheus.CounterVec
	snapshots   *prometheus.CounterVec
	pending     PendingFunc
	pendingMu   sync.Mutex
	pendingAt   time.Time
	pendingLast float64
}

// NewMetrics registers fanhook's series with reg. pending feeds
// fanhook_deliveries_pending; it is called at most once a second, and a
// failing call keeps the last known value. pending may be nil (gauge at 0).
func NewMetrics(reg prometheus.Registerer, pending PendingFunc) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fanhook_deliveries_total",
			Help: "Deliveries by provider and the status they reached: pending when stored, then processed, failed or ignored.",
		}, []string{"provider", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fanhook_http_request_duration_seconds",
			Help:    "HTTP request duration by route template, method and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "code"}),
		tikklForms: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fanhook_tikkl_signature_form_total",
			Help: "Authenticated Tikkl deliveries by the X-Tikkl-Signature form that matched.",
		}, []string{"form"}),
		snapshots: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fanhook_worker_snapshot_batches_total",
			Help: "SQLite normalization batches applied on a read snapshot: written as applied, or redone on the writer because the model changed meanwhile.",
		}, []string{"outcome"}),
		pending: pending,
	}
	pendingGauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fanhook_deliveries_pending",
		Help: "Deliveries stored but not yet normalized.",
	}, m.pendingValue)
	reg.MustRegister(m.deliveries, m.duration, m.tikklForms, m.snapshots, pendingGauge)

	// Every series exists from the start, so rate() and alerts see zeros.
	for _, p := range models.Providers {
		for _, s := range []string{models.StatusPending, models.StatusProcessed, models.StatusFailed, models.StatusIgnored} {
			m.deliveries.WithLabelValues(p, s)
		}
	}
	for _, f := range TikklForms {
		m.tikklForms.WithLabelValues(f)
	}
	m.snapshots.WithLabelValues("written")
	m.snapshots.WithLabelValues("redone")
	return m
}

// DeliveryStored counts a new delivery (status pending).
func (m *Metrics) DeliveryStored(provider string) {
	if m != nil {
		m.deliveries.WithLabelValues(provider, models.StatusPending).Inc()
	}
}

// DeliveryDone counts a delivery reaching status (processed, failed or
// ignored); the inbox worker calls it.
func (m *Metrics) DeliveryDone(provider, status string) {
	if m != nil {
		m.deliveries.WithLabelValues(provider, status).Inc()
	}
}

// SnapshotBatch counts a SQLite batch applied on a snapshot: written, or
// redone on the writer.
func (m *Metrics) SnapshotBatch(written bool) {
	if m == nil {
		return
	}
	outcome := "redone"
	if written {
		outcome = "written"
	}
	m.snapshots.WithLabelValues(outcome).Inc()
}

// TikklSignatureForm counts the signature form an authenticated Tikkl
// delivery used.
func (m *Metrics) TikklSignatureForm(form string) {
	if m != nil && form != "" {
		m.tikklForms.WithLabelValues(form).Inc()
	}
}

func (m *Metrics) pendingValue() float64 {
	m.pendingMu.Lock()
	defer m.pendingMu.Unlock()
	if m.pending == nil || time.Since(m.pendingAt) < pendingRefresh {
		return m.pendingLast
	}
	ctx, cancel := context.WithTimeout(context.Background(), pendingRefresh)
	defer cancel()
	if n, err := m.pending(ctx); err == nil {
		m.pendingLast = float64(n)
	}
	m.pendingAt = time.Now()
	return m.pendingLast
}

// Middleware observes every request's duration under its route template
// (never the raw URL, whose cardinality a caller controls).
func (m *Metrics) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			if m != nil {
				route := c.Path()
				if route == "" {
					route = "unmatched"
				}
				code := strconv.Itoa(c.Response().Status)
				m.duration.WithLabelValues(route, methodLabel(c.Request().Method), code).Observe(time.Since(start).Seconds())
			}
			return nil
		}
	}
}

// methodLabel bounds the method label: a caller can send any method name.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}
