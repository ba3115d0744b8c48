package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

type fanProfile struct {
	ID          int64
	Email       *string
	Phone       *string
	FirstName   *string
	LastName    *string
	FullName    *string
	DateOfBirth *string
	Gender      *string
	Postcode    *string
	Country     *string
	Language    *string
	FirstSeenAt time.Time
	LastSeenAt  time.Time
	MergedInto  *int64
	ErasedAt    *time.Time
}

type identityRow struct {
	Kind, Value, Provider string
	FirstSeenAt           time.Time
}

type consentRow struct {
	Topic, Status, Provider, Source string
	DeliveryID                      *int64
	ChangedAt                       time.Time
	// Since is when the current status began: the oldest of the
	// statements in a row that gave it (ChangedAt is the newest).
	Since time.Time
}

// timelineItem is one thing that happened to a fan.
type timelineItem struct {
	At   time.Time
	Kind string
	Text string
	Link string
}

type fanPage struct {
	Fan        fanProfile
	Identities []identityRow
	Consents   []consentRow // current state, one per topic
	Timeline   []timelineItem
}

// fanID reads the :id parameter.
func fanID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errStatus(http.StatusNotFound, "No such fan")
	}
	return id, nil
}

// loadFan reads a fan's profile; a merged fan's page is its survivor's.
func loadFan(ctx context.Context, db *gorm.DB, id int64) (fanProfile, error) {
	var rows []fanProfile
	if err := db.WithContext(ctx).Raw(`SELECT id, email, phone, first_name, last_name, full_name, date_of_birth,
		gender, postcode, country, language, first_seen_at, last_seen_at, merged_into, erased_at
		FROM fans WHERE id = ?`, id).Scan(&rows).Error; err != nil {
		return fanProfile{}, errInternal("load fan", err)
	}
	if len(rows) == 0 {
		return fanProfile{}, errStatus(http.StatusNotFound, "No such fan")
	}
	return rows[0], nil
}

func (a *Admin) showFan(c echo.Context) error {
	id, err := fanID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	db := a.store.Read.WithContext(ctx)
	f, err := loadFan(ctx, a.store.Read, id)
	if err != nil {
		return err
	}
	if f.MergedInto != nil {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/fans/%d", *f.MergedInto))
	}
	p := fanPage{Fan: f}
	tl := &p.Timeline
	add := func(at time.Time, kind, text, link string) {
		*tl = append(*tl, timelineItem{At: at, Kind: kind, Text: text, Link: link})
	}

	if err := db.Raw(`SELECT kind, value, provider, first_seen_at FROM fan_identities
		WHERE fan_id = ? ORDER BY kind, value`, id).Scan(&p.Identities).Error; err != nil {
		return errInternal("load identities", err)
	}
	for _, i := range p.Identities {
		add(i.FirstSeenAt, "identity", fmt.Sprintf("%s %s first seen from %s", i.Kind, i.Value, i.Provider), "")
	}

	var ledger []consentRow
	if err := db.Raw(`SELECT topic, status, provider, source, delivery_id, changed_at FROM consent_changes
		WHERE fan_id = ? ORDER BY topic, changed_at DESC, status DESC, provider DESC`, id).Scan(&ledger).Error; err != nil {
		return errInternal("load consents", err)
	}
	for i, r := range ledger {
		if i == 0 || ledger[i-1].Topic != r.Topic {
			r.Since = r.ChangedAt
			for _, older := range ledger[i+1:] {
				if older.Topic != r.Topic || older.Status != r.Status {
					break
				}
				r.Since = older.ChangedAt
			}
			p.Consents = append(p.Consents, r)
		}
		// The timeline shows changes; a provider restating the same
		// status at every purchase stays in the ledger (and the export).
		if restated := i+1 < len(ledger) && ledger[i+1].Topic == r.Topic && ledger[i+1].Status == r.Status; !restated {
			add(r.ChangedAt, "consent", fmt.Sprintf("%s: %s (%s)", r.Topic, r.Status, consentSource(r)), deliveryLink(r.DeliveryID))
		}
	}

	var tickets []struct {
		ID, Quantity, UnitPriceMinor, BookingFeeMinor *int64
		EventID                                       *int64
		EventName, TicketType, Currency, ExternalID   *string
		SoldAt                                        *time.Time
		CreatedAt                                     time.Time
	}
	if err := db.Raw(`SELECT t.id, t.external_id, t.event_id, e.name AS event_name, t.ticket_type, t.quantity,
		t.unit_price_minor, t.booking_fee_minor, t.currency, t.sold_at, t.created_at
		FROM tickets t LEFT JOIN events e ON e.id = t.event_id WHERE t.fan_id = ?`, id).Scan(&tickets).Error; err != nil {
		return errInternal("load tickets", err)
	}
	for _, t := range tickets {
		at := t.CreatedAt
		if t.SoldAt != nil {
			at = *t.SoldAt
		}
		text := fmt.Sprintf("%s × %d for %s (ticket %s)", deref(t.TicketType), derefInt(t.Quantity),
			orDash(deref(t.EventName)), deref(t.ExternalID))
		if t.Currency != nil {
			text += ", " + formatMoney(derefInt(t.UnitPriceMinor), *t.Currency) + " each"
		}
		add(at, "ticket", text, eventLink(t.EventID))
	}

	// An order whose ticket lines never came (a Tikkl transaction with
	// ticket webhooks off) is a purchase all the same.
	var orders []struct {
		EventID               *int64
		EventName, ExternalID *string
		Provider              string
		TicketCount           *int64
		SoldAt                *time.Time
		CreatedAt             time.Time
	}
	if err := db.Raw(`SELECT o.provider, o.external_id, o.event_id, e.name AS event_name, o.ticket_count, o.sold_at,
		o.created_at FROM orders o LEFT JOIN events e ON e.id = o.event_id
		WHERE o.fan_id = ? AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = o.id)`, id).Scan(&orders).Error; err != nil {
		return errInternal("load orders", err)
	}
	for _, o := range orders {
		at := o.CreatedAt
		if o.SoldAt != nil {
			at = *o.SoldAt
		}
		add(at, "order", fmt.Sprintf("%s order %s for %s: %d ticket(s)", o.Provider, deref(o.ExternalID),
			orDash(deref(o.EventName)), derefInt(o.TicketCount)), eventLink(o.EventID))
	}

	var scans []struct {
		TicketID    int64
		EventID     *int64
		EventName   *string
		EntryStatus *string
		ScannedAt   time.Time
		PeopleIn    int64
	}
	if err := db.Raw(`SELECT s.ticket_id, t.event_id, e.name AS event_name, s.entry_status, s.scanned_at, s.people_in
		FROM scans s JOIN tickets t ON t.id = s.ticket_id LEFT JOIN events e ON e.id = t.event_id
		WHERE t.fan_id = ?`, id).Scan(&scans).Error; err != nil {
		return errInternal("load scans", err)
	}
	for _, s := range scans {
		add(s.ScannedAt, "scan", fmt.Sprintf("Scanned in at %s: %d in %s", orDash(deref(s.EventName)), s.PeopleIn,
			deref(s.EntryStatus)), eventLink(s.EventID))
	}

	var forms []struct {
		Provider, ActivityID, FieldsJSON string
		DeliveryID                       *int64
		ReceivedAt                       time.Time
	}
	if err := db.Raw(`SELECT provider, activity_id, fields_json, delivery_id, received_at FROM form_entries
		WHERE fan_id = ?`, id).Scan(&forms).Error; err != nil {
		return errInternal("load form entries", err)
	}
	for _, f := range forms {
		add(f.ReceivedAt, "form", fmt.Sprintf("%s form entry %s: %s", f.Provider, f.ActivityID, formFields(f.FieldsJSON)),
			deliveryLink(f.DeliveryID))
	}

	var deliveries []struct {
		ID                          int64
		Provider, EventType, Status string
		ReceivedAt                  time.Time
	}
	if err := db.Raw(`SELECT d.id, d.provider, d.event_type, d.status, d.received_at FROM fan_deliveries fd
		JOIN deliveries d ON d.id = fd.delivery_id WHERE fd.fan_id = ? ORDER BY d.id DESC LIMIT 1000`,
		id).Scan(&deliveries).Error; err != nil {
		return errInternal("load deliveries", err)
	}
	for _, d := range deliveries {
		add(d.ReceivedAt, "delivery", fmt.Sprintf("%s %s delivery #%d (%s)", d.Provider, d.EventType, d.ID, d.Status),
			fmt.Sprintf("/admin/deliveries/%d", d.ID))
	}

	var merges []struct {
		FromFanID int64
		Reason    string
		MergedAt  time.Time
	}
	if err := db.Raw(`SELECT from_fan_id, reason, merged_at FROM fan_merges WHERE into_fan_id = ?`, id).Scan(&merges).Error; err != nil {
		return errInternal("load merges", err)
	}
	for _, m := range merges {
		add(m.MergedAt, "merge", fmt.Sprintf("Fan #%d merged in: %s", m.FromFanID, m.Reason), "")
	}

	sort.SliceStable(p.Timeline, func(i, j int) bool { return p.Timeline[i].At.After(p.Timeline[j].At) })
	return a.render(c, http.StatusOK, "fan.html", "Fan #"+strconv.FormatInt(id, 10), p)
}

// formFields renders a form entry's fields as "key: value" pairs.
func formFields(raw string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil || len(m) == 0 {
		return "no fields kept"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v, _ := json.Marshal(m[k])
		parts[i] = k + ": " + strings.Trim(string(v), `"`)
	}
	return strings.Join(parts, "; ")
}

func deliveryLink(id *int64) string {
	if id == nil {
		return ""
	}
	return fmt.Sprintf("/admin/deliveries/%d", *id)
}

func eventLink(id *int64) string {
	if id == nil {
		return ""
	}
	return fmt.Sprintf("/admin/events/%d", *id)
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// consentSource is where a consent statement came from: the source names
// its provider already ("fixr:ticket_sold").
func consentSource(r consentRow) string {
	if r.Source == "" {
		return r.Provider
	}
	if strings.HasPrefix(r.Source, r.Provider) {
		return r.Source
	}
	return r.Provider + " " + r.Source
}
