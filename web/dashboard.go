package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/labstack/echo/v4"

	"github.com/fanhook/fanhook/models"
)

type dashboardPage struct {
	Counts        []count
	ByStatus      []count
	Pending       int64
	OldestPending *time.Time
	Failures      []deliveryRow
	Chart         barChart
}

type count struct {
	Name  string
	N     int64
	Link  string
	Alert bool
}

const chartHours = 48

func (a *Admin) showDashboard(c echo.Context) error {
	ctx := c.Request().Context()
	db := a.store.Read.WithContext(ctx)
	var p dashboardPage
	for _, q := range []struct{ name, sql, link string }{
		{"Fans", "SELECT COUNT(*) FROM fans WHERE merged_into IS NULL AND erased_at IS NULL", "/admin/fans"},
		{"Events", "SELECT COUNT(*) FROM events", "/admin/events"},
		{"Orders", "SELECT COUNT(*) FROM orders", ""},
		{"Ticket lines", "SELECT COUNT(*) FROM tickets", ""},
		{"Scans", "SELECT COUNT(*) FROM scans", ""},
		{"Form entries", "SELECT COUNT(*) FROM form_entries", ""},
		{"Erased fans", "SELECT COUNT(*) FROM fans WHERE erased_at IS NOT NULL AND merged_into IS NULL", ""},
	} {
		var n int64
		if err := db.Raw(q.sql).Scan(&n).Error; err != nil {
			return errInternal("dashboard counts", err)
		}
		p.Counts = append(p.Counts, count{Name: q.name, N: n, Link: q.link})
	}
	var byStatus []struct {
		Status string
		N      int64
	}
	if err := db.Raw("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status ORDER BY status").Scan(&byStatus).Error; err != nil {
		return errInternal("dashboard deliveries", err)
	}
	for _, s := range byStatus {
		p.ByStatus = append(p.ByStatus, count{Name: s.Status, N: s.N, Link: "/admin/deliveries?status=" + s.Status,
			Alert: s.Status == models.StatusFailed && s.N > 0})
		if s.Status == models.StatusPending {
			p.Pending = s.N
		}
	}
	var oldest []time.Time
	if err := db.Raw("SELECT received_at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT 1").Scan(&oldest).Error; err != nil {
		return errInternal("dashboard backlog", err)
	}
	if len(oldest) == 1 {
		p.OldestPending = &oldest[0]
	}
	if err := db.Raw(`SELECT id, provider, event_type, status, error, attempts, received_at, processed_at, purged_at
		FROM deliveries WHERE status = 'failed' ORDER BY id DESC LIMIT 10`).Scan(&p.Failures).Error; err != nil {
		return errInternal("dashboard failures", err)
	}
	chart, err := a.deliveriesChart(ctx, db)
	if err != nil {
		return errInternal("dashboard chart", err)
	}
	p.Chart = chart
	return a.render(c, http.StatusOK, "dashboard.html", "Dashboard", p)
}

// deliveriesChart counts deliveries per hour per provider over the last 48
// hours, bucketed by the database (the range is an index seek).
func (a *Admin) deliveriesChart(ctx context.Context, db *gorm.DB) (barChart, error) {
	end := a.now().Truncate(time.Hour).Add(time.Hour)
	start := end.Add(-chartHours * time.Hour)
	hourExpr := "substr(received_at, 1, 13)"
	if a.store.Dialect == models.DialectPostgres {
		hourExpr = `to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')`
	}
	var rows []struct {
		Provider string
		Hour     string
		N        int64
	}
	err := db.Raw(`SELECT provider, `+hourExpr+` AS hour, COUNT(*) AS n FROM deliveries
		WHERE received_at >= ? AND received_at < ? GROUP BY provider, `+hourExpr, start, end).Scan(&rows).Error
	if err != nil {
		return barChart{}, err
	}
	ch := barChart{Title: "Deliveries per hour per provider, last 48 hours", LabelEvery: 6}
	index := map[string]int{}
	for i := 0; i < chartHours; i++ {
		h := start.Add(time.Duration(i) * time.Hour)
		index[h.Format("2006-01-02 15")] = i
		ch.Labels = append(ch.Labels, h.Format("Jan 2 15:00"))
	}
	series := map[string]int{}
	for _, p := range models.Providers {
		series[p] = len(ch.Series)
		ch.Series = append(ch.Series, chartSeries{Name: p, Values: make([]int64, chartHours)})
	}
	for _, r := range rows {
		i, ok := index[strings.Replace(r.Hour, "T", " ", 1)]
		if !ok {
			continue
		}
		si, ok := series[r.Provider]
		if !ok {
			si = len(ch.Series)
			series[r.Provider] = si
			ch.Series = append(ch.Series, chartSeries{Name: r.Provider, Values: make([]int64, chartHours)})
		}
		ch.Series[si].Values[i] += r.N
	}
	return ch, nil
}
