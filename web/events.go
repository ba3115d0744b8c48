package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

type eventRow struct {
	ID         int64
	Provider   string
	ExternalID string
	Name       *string
	Status     *string
	VenueName  *string
	City       *string
	Capacity   *int64
	OpensAt    *time.Time
	ClosesAt   *time.Time
	Sales      []salesRow `gorm:"-"`
}

// TicketsScanned and PeopleIn sum attendance over the currencies.
func (e eventRow) TicketsScanned() int64 {
	var n int64
	for _, s := range e.Sales {
		n += s.TicketsScanned
	}
	return n
}

func (e eventRow) PeopleIn() int64 {
	var n int64
	for _, s := range e.Sales {
		n += s.PeopleIn
	}
	return n
}

// salesRow is one row of report_event_sales.
type salesRow struct {
	EventID         int64
	Currency        *string
	Orders          int64
	TicketsSold     int64
	FaceValueMinor  int64
	BookingFeeMinor int64
	TicketsScanned  int64
	PeopleIn        int64
}

type eventsPage struct {
	Events  []eventRow
	NextURL string
}

const eventsPageSize = 50

const eventColumns = `id, provider, external_id, name, status, venue_name, city, capacity, opens_at, closes_at`

func (a *Admin) showEvents(c echo.Context) error {
	ctx := c.Request().Context()
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	if before <= 0 {
		before = 1<<63 - 1
	}
	var p eventsPage
	db := a.store.Read.WithContext(ctx)
	if err := db.Raw(`SELECT `+eventColumns+` FROM events WHERE id < ? ORDER BY id DESC LIMIT ?`,
		before, eventsPageSize+1).Scan(&p.Events).Error; err != nil {
		return errInternal("list events", err)
	}
	if len(p.Events) > eventsPageSize {
		p.Events = p.Events[:eventsPageSize]
		p.NextURL = fmt.Sprintf("/admin/events?before=%d", p.Events[eventsPageSize-1].ID)
	}
	if err := attachSales(ctx, db, p.Events); err != nil {
		return errInternal("event sales", err)
	}
	return a.render(c, http.StatusOK, "events.html", "Events", p)
}

// attachSales reads report_event_sales for the events on the page.
func attachSales(ctx context.Context, db *gorm.DB, events []eventRow) error {
	if len(events) == 0 {
		return nil
	}
	ids := make([]int64, len(events))
	at := map[int64]int{}
	for i, e := range events {
		ids[i] = e.ID
		at[e.ID] = i
	}
	var sales []salesRow
	if err := db.WithContext(ctx).Raw(`SELECT event_id, currency, orders, tickets_sold, face_value_minor,
		booking_fee_minor, tickets_scanned, people_in FROM report_event_sales WHERE event_id IN ?
		ORDER BY event_id, currency`, ids).Scan(&sales).Error; err != nil {
		return err
	}
	for _, s := range sales {
		if s.Currency == nil && s.Orders == 0 && s.TicketsSold == 0 {
			continue // the view's row for an event with no sales
		}
		e := &events[at[s.EventID]]
		e.Sales = append(e.Sales, s)
	}
	return nil
}

type eventPage struct {
	Event eventRow
	Chart barChart
}

func (a *Admin) showEvent(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errStatus(http.StatusNotFound, "No such event")
	}
	ctx := c.Request().Context()
	db := a.store.Read.WithContext(ctx)
	var events []eventRow
	if err := db.Raw(`SELECT `+eventColumns+` FROM events WHERE id = ?`, id).Scan(&events).Error; err != nil {
		return errInternal("load event", err)
	}
	if len(events) == 0 {
		return errStatus(http.StatusNotFound, "No such event")
	}
	if err := attachSales(ctx, db, events); err != nil {
		return errInternal("event sales", err)
	}
	// Tickets sold per day: ticket lines by their sale time, plus orders
	// known without their lines (report_event_sales counts those too).
	var sold []struct {
		SoldAt   *time.Time
		Quantity *int64
	}
	if err := db.Raw(`SELECT sold_at, quantity FROM tickets WHERE event_id = ?
		UNION ALL SELECT o.sold_at, o.ticket_count FROM orders o WHERE o.event_id = ?
		AND NOT EXISTS (SELECT 1 FROM tickets x WHERE x.order_id = o.id)`, id, id).Scan(&sold).Error; err != nil {
		return errInternal("event sales per day", err)
	}
	perDay := map[string]int64{}
	for _, s := range sold {
		if s.SoldAt != nil {
			perDay[s.SoldAt.UTC().Format("2006-01-02")] += derefInt(s.Quantity)
		}
	}
	p := eventPage{Event: events[0], Chart: salesChart(perDay)}
	return a.render(c, http.StatusOK, "event.html", "Event #"+strconv.FormatInt(id, 10), p)
}

// salesChart draws tickets sold per day, every day from the first sale to
// the last (at most the last 366), so quiet days show as gaps.
func salesChart(perDay map[string]int64) barChart {
	ch := barChart{Title: "Tickets sold per day"}
	if len(perDay) == 0 {
		return ch
	}
	days := make([]string, 0, len(perDay))
	for d := range perDay {
		days = append(days, d)
	}
	sort.Strings(days)
	first, _ := time.Parse("2006-01-02", days[0])
	last, _ := time.Parse("2006-01-02", days[len(days)-1])
	if last.Sub(first) > 365*24*time.Hour {
		first = last.AddDate(0, 0, -365)
	}
	s := chartSeries{Name: "tickets sold"}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		ch.Labels = append(ch.Labels, d.Format("Jan 2"))
		s.Values = append(s.Values, perDay[d.Format("2006-01-02")])
	}
	ch.Series = []chartSeries{s}
	return ch
}
