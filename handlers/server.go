package handlers

import (
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
)

// Deps is what the HTTP surface needs; cmd wires it.
type Deps struct {
	Secrets Secrets
	Inbox   Inbox
	// Store answers /readyz.
	Store *models.Store
	// Log is the base logger; each request gets a child with its request_id.
	Log     zerolog.Logger
	Metrics *Metrics
	// Gatherer is served at /metrics (prometheus.DefaultGatherer if nil).
	Gatherer prometheus.Gatherer
}

// Register mounts the webhooks, health, readiness and metrics on e, with the
// request logger, metrics and panic recovery around every route of e.
func Register(e *echo.Echo, d Deps) {
	e.Use(RequestLogger(d.Log), d.Metrics.Middleware(), Recover())
	// Echo's own refusals (405 for a GET on a webhook, 404 for no route)
	// answer in the contract's shape too: {"error": "…"}.
	e.HTTPErrorHandler = func(err error, c echo.Context) { _ = renderError(c, err) }

	w := &webhooks{secrets: d.Secrets, inbox: d.Inbox, metrics: d.Metrics}
	e.POST("/webhooks/:provider", w.ingestDelivery)

	e.GET("/healthz", healthz)
	e.HEAD("/healthz", healthz) // some load balancers check with HEAD
	e.GET("/readyz", readyz(d.Store))
	e.HEAD("/readyz", readyz(d.Store))
	e.GET("/metrics", metricsHandler(d.Gatherer))
}
