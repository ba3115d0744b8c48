package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/sync"
)

var deliveryStatuses = []string{models.StatusPending, models.StatusProcessed, models.StatusFailed, models.StatusIgnored}

type deliveryRow struct {
	ID          int64
	Provider    string
	EventType   string
	Status      string
	Error       string
	Attempts    int
	ReceivedAt  time.Time
	ProcessedAt *time.Time
	PurgedAt    *time.Time
}

type deliveriesPage struct {
	Status, Provider string
	Statuses         []string
	Providers        []string
	Deliveries       []deliveryRow
	NextURL          string
	Failed           int64
}

const deliveriesPageSize = 100

func (a *Admin) showDeliveries(c echo.Context) error {
	p := deliveriesPage{Status: c.QueryParam("status"), Provider: c.QueryParam("provider"),
		Statuses: deliveryStatuses, Providers: models.Providers}
	if p.Status != "" && !slices.Contains(deliveryStatuses, p.Status) {
		return errStatus(http.StatusBadRequest, "Unknown status")
	}
	if p.Provider != "" && !slices.Contains(models.Providers, p.Provider) {
		return errStatus(http.StatusBadRequest, "Unknown provider")
	}
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	if before <= 0 {
		before = 1<<63 - 1
	}
	sql := `SELECT id, provider, event_type, status, error, attempts, received_at, processed_at, purged_at
		FROM deliveries WHERE id < ?`
	args := []any{before}
	if p.Status != "" {
		sql += " AND status = ?"
		args = append(args, p.Status)
	}
	if p.Provider != "" {
		sql += " AND provider = ?"
		args = append(args, p.Provider)
	}
	sql += " ORDER BY id DESC LIMIT ?"
	db := a.store.Read.WithContext(c.Request().Context())
	if err := db.Raw(sql, append(args, deliveriesPageSize+1)...).Scan(&p.Deliveries).Error; err != nil {
		return errInternal("list deliveries", err)
	}
	if len(p.Deliveries) > deliveriesPageSize {
		p.Deliveries = p.Deliveries[:deliveriesPageSize]
		q := url.Values{"before": {strconv.FormatInt(p.Deliveries[deliveriesPageSize-1].ID, 10)}}
		if p.Status != "" {
			q.Set("status", p.Status)
		}
		if p.Provider != "" {
			q.Set("provider", p.Provider)
		}
		p.NextURL = "/admin/deliveries?" + q.Encode()
	}
	if err := db.Raw("SELECT COUNT(*) FROM deliveries WHERE status = 'failed'").Scan(&p.Failed).Error; err != nil {
		return errInternal("count failed deliveries", err)
	}
	return a.render(c, http.StatusOK, "deliveries.html", "Deliveries", p)
}

type header struct{ Name, Value string }

type deliveryPage struct {
	D       deliveryRow
	Headers []header
	Body    string
	Fans    []int64
}

func deliveryID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errStatus(http.StatusNotFound, "No such delivery")
	}
	return id, nil
}

func (a *Admin) showDelivery(c echo.Context) error {
	id, err := deliveryID(c)
	if err != nil {
		return err
	}
	db := a.store.Read.WithContext(c.Request().Context())
	var rows []deliveryRow
	if err := db.Raw(`SELECT id, provider, event_type, status, error, attempts, received_at, processed_at,
		purged_at FROM deliveries WHERE id = ?`, id).Scan(&rows).Error; err != nil {
		return errInternal("load delivery", err)
	}
	if len(rows) == 0 {
		return errStatus(http.StatusNotFound, "No such delivery")
	}
	var raw struct {
		Headers string
		Body    []byte
	}
	if err := db.Raw("SELECT headers, body FROM deliveries WHERE id = ?", id).Scan(&raw).Error; err != nil {
		return errInternal("load delivery", err)
	}
	p := deliveryPage{D: rows[0], Body: prettyJSON(raw.Body)}
	var hs map[string]string
	if json.Unmarshal([]byte(raw.Headers), &hs) == nil {
		for k, v := range hs {
			p.Headers = append(p.Headers, header{k, v})
		}
		sort.Slice(p.Headers, func(i, j int) bool { return p.Headers[i].Name < p.Headers[j].Name })
	}
	if err := db.Raw("SELECT fan_id FROM fan_deliveries WHERE delivery_id = ? ORDER BY fan_id", id).Scan(&p.Fans).Error; err != nil {
		return errInternal("load delivery fans", err)
	}
	return a.render(c, http.StatusOK, "delivery.html", fmt.Sprintf("Delivery #%d", id), p)
}

// prettyJSON indents a JSON body; anything else is shown as it came.
func prettyJSON(b []byte) string {
	if b == nil {
		return ""
	}
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") == nil {
		return out.String()
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}

func (a *Admin) replayDelivery(c echo.Context) error {
	id, err := deliveryID(c)
	if err != nil {
		return err
	}
	if a.opts.Worker == nil {
		return errStatus(http.StatusServiceUnavailable, "Replay is not available in this process")
	}
	n, err := a.opts.Worker.Replay(c.Request().Context(), sync.ReplayFilter{ID: id, Status: "all"})
	if err != nil {
		return errInternal("replay delivery", err)
	}
	if n == 0 {
		return errStatus(http.StatusNotFound, "No such delivery")
	}
	a.audit(c, "", "replay", "delivery "+strconv.FormatInt(id, 10), "")
	var status string
	a.store.Read.WithContext(c.Request().Context()).Raw("SELECT status FROM deliveries WHERE id = ?", id).Scan(&status)
	return redirectFlash(c, fmt.Sprintf("/admin/deliveries/%d", id), "Replayed: now "+status+".")
}

// replayFailed replays every failed delivery (of one provider, if given).
func (a *Admin) replayFailed(c echo.Context) error {
	provider := c.FormValue("provider")
	if provider != "" && !slices.Contains(models.Providers, provider) {
		return errStatus(http.StatusBadRequest, "Unknown provider")
	}
	if a.opts.Worker == nil {
		return errStatus(http.StatusServiceUnavailable, "Replay is not available in this process")
	}
	n, err := a.opts.Worker.Replay(c.Request().Context(), sync.ReplayFilter{Status: models.StatusFailed, Provider: provider})
	if err != nil {
		return errInternal("replay failed deliveries", err)
	}
	a.audit(c, "", "replay failed", "deliveries", fmt.Sprintf("provider=%s count=%d", provider, n))
	return redirectFlash(c, "/admin/deliveries?status=failed", fmt.Sprintf("Replayed %d failed deliveries.", n))
}
