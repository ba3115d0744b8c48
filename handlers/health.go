package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fanhook/fanhook/models"
)

// readyTimeout bounds /readyz: a database that takes longer is not ready.
const readyTimeout = 2 * time.Second

// healthz answers 200 while the process runs.
func healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database answers within readyTimeout and
// holds fanhook's tables.
func readyz(store *models.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		if store == nil {
			return renderError(c, newError(http.StatusServiceUnavailable, "no database", nil))
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			return renderError(c, newError(http.StatusServiceUnavailable, "database unavailable", err))
		}
		// A database that answers but lost fanhook's tables (dropped and
		// created again, a SQLite file deleted) cannot store a delivery.
		if err := store.Read.WithContext(ctx).Exec("SELECT 1 FROM deliveries WHERE id = 0").Error; err != nil {
			return renderError(c, newError(http.StatusServiceUnavailable, "database has no deliveries table", err))
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	}
}

// metricsHandler serves g in the Prometheus text format.
func metricsHandler(g prometheus.Gatherer) echo.HandlerFunc {
	if g == nil {
		g = prometheus.DefaultGatherer
	}
	return echo.WrapHandler(promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
}
