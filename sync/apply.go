package sync

import (
	"encoding/json"
	"fmt"
	"time"
)

// applier writes one delivery's Facts into the unified model inside the
// caller's transaction. Applying the same Facts again changes nothing.
type applier struct {
	tx         *sqlTx
	facts      Facts
	deliveryID int64
	now        time.Time

	fans    []int64 // by index of facts.People; 0 = no fan
	eventID int64
	orderID int64
	tickets map[string]int64 // external id -> ticket id
	// namesErasedFan: a person here was erased after this fact. Their data
	// is not applied, and the raw body, which still holds it, is dropped.
	namesErasedFan bool
}

// applyFacts is the single writer of the unified model.
// firstTime skips forgetting rows a previous application wrote.
func applyFacts(tx *sqlTx, deliveryID int64, firstTime bool, f Facts, now time.Time) error {
	a := &applier{tx: tx, facts: f, deliveryID: deliveryID, now: now, tickets: map[string]int64{}}
	a.facts.FactAt = f.FactAt.UTC()
	if !firstTime {
		if err := a.forgetDerivedRows(); err != nil {
			return err
		}
	}
	steps := []func() error{
		a.applyPeople, a.applyEvent, a.applyOrder,
		a.applyTickets, a.applyScans, a.applyConsents, a.applyFormEntry, a.applyVibesList,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	if a.namesErasedFan {
		if _, err := tx.exec("UPDATE deliveries SET body = NULL, purged_at = ? WHERE id = ?", now, deliveryID); err != nil {
			return fmt.Errorf("drop body naming an erased fan: %w", err)
		}
		tx.droppedErasedBody = true
	}
	return nil
}

// forgetDerivedRows drops the ledger rows this delivery wrote before, so a
// replay rewrites them instead of adding copies.
func (a *applier) forgetDerivedRows() error {
	_, err := a.tx.exec("DELETE FROM consent_changes WHERE delivery_id = ?", a.deliveryID)
	return err
}

func (a *applier) fan(i int) int64 {
	if i < 0 || i >= len(a.fans) {
		return 0
	}
	return a.fans[i]
}

func (a *applier) applyPeople() error {
	a.fans = make([]int64, len(a.facts.People))
	for i, p := range a.facts.People {
		id, err := a.resolveFan(p)
		if err != nil {
			return fmt.Errorf("person %d: %w", i, err)
		}
		a.fans[i] = id
		if id == 0 {
			continue
		}
		if a.tx.cache != nil {
			a.tx.cache.fanDeliveries[[2]int64{id, a.deliveryID}] = true
			continue
		}
		if _, err := a.tx.exec(`INSERT INTO fan_deliveries (fan_id, delivery_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, id, a.deliveryID); err != nil {
			return fmt.Errorf("link fan to delivery: %w", err)
		}
	}
	return nil
}

func (a *applier) eventRow(externalID string) row {
	return row{table: "events", keyCols: []string{"provider", "external_id"}, keyVals: []any{a.facts.Provider, externalID}}
}

func (a *applier) applyEvent() error {
	e := a.facts.Event
	if e == nil || e.ExternalID == "" {
		return nil
	}
	at := a.facts.FactAt
	if e.Stub {
		at = stubTime
	}
	pr := proposals{at: at}
	pr.str("name", e.Name)
	pr.str("url", e.URL)
	if !e.Stub {
		pr.str("account_id", e.AccountID)
		pr.str("status", e.Status)
		pr.int("capacity", e.Capacity)
		pr.str("category", e.Category)
		pr.str("venue_name", e.VenueName)
		pr.str("city", e.City)
		pr.str("country", e.Country)
		pr.str("timezone", e.Timezone)
		pr.time("opens_at", e.OpensAt)
		pr.time("closes_at", e.ClosesAt)
	}
	id, err := upsertStamped(a.tx, a.eventRow(e.ExternalID), pr.list, a.now)
	if err != nil {
		return fmt.Errorf("event: %w", err)
	}
	a.eventID = id
	return nil
}

// eventFor returns the id of an event a ticket or order names, creating a
// bare row when the event itself has not arrived yet.
func (a *applier) eventFor(externalID string) (int64, error) {
	if externalID == "" {
		return 0, nil
	}
	if a.facts.Event != nil && a.facts.Event.ExternalID == externalID && a.eventID != 0 {
		return a.eventID, nil
	}
	return upsertStamped(a.tx, a.eventRow(externalID), nil, a.now)
}

func (a *applier) orderRow(externalID string) row {
	return row{table: "orders", keyCols: []string{"provider", "external_id"}, keyVals: []any{a.facts.Provider, externalID}}
}

func (a *applier) applyOrder() error {
	o := a.facts.Order
	if o == nil || o.ExternalID == "" {
		return nil
	}
	eventID, err := a.eventFor(o.EventExternalID)
	if err != nil {
		return fmt.Errorf("order event: %w", err)
	}
	pr := proposals{at: a.facts.FactAt}
	pr.id("event_id", eventID)
	pr.id("fan_id", a.fan(o.Person))
	pr.time("sold_at", o.SoldAt)
	pr.str("promo_code", o.PromoCode)
	pr.int("ticket_count", o.TicketCount)
	pr.str("url", o.URL)
	r := a.orderRow(o.ExternalID)
	r.likelyNew = o.SoldAt != nil
	id, err := upsertStamped(a.tx, r, pr.list, a.now)
	if err != nil {
		return fmt.Errorf("order: %w", err)
	}
	a.orderID = id
	return nil
}

func (a *applier) applyTickets() error {
	for _, t := range a.facts.Tickets {
		if t.ExternalID == "" {
			continue
		}
		eventID, err := a.eventFor(t.EventExternalID)
		if err != nil {
			return fmt.Errorf("ticket event: %w", err)
		}
		orderID := int64(0)
		if t.OrderExternalID != "" {
			if a.facts.Order != nil && a.facts.Order.ExternalID == t.OrderExternalID {
				orderID = a.orderID
			} else if orderID, err = upsertStamped(a.tx, a.orderRow(t.OrderExternalID), nil, a.now); err != nil {
				return fmt.Errorf("ticket order: %w", err)
			}
		}
		pr := proposals{at: a.facts.FactAt}
		pr.id("event_id", eventID)
		pr.id("order_id", orderID)
		pr.id("fan_id", a.fan(t.Person))
		pr.str("ticket_type", t.TicketType)
		pr.str("ticket_type_id", t.TicketTypeID)
		pr.int("quantity", t.Quantity)
		pr.int("unit_price_minor", t.UnitPriceMinor)
		pr.int("booking_fee_minor", t.BookingFeeMinor)
		pr.str("currency", t.Currency)
		pr.time("sold_at", t.SoldAt)
		r := row{table: "tickets", keyCols: []string{"provider", "external_id"}, keyVals: []any{a.facts.Provider, t.ExternalID},
			likelyNew: t.SoldAt != nil}
		id, err := upsertStamped(a.tx, r, pr.list, a.now)
		if err != nil {
			return fmt.Errorf("ticket: %w", err)
		}
		a.tickets[t.ExternalID] = id
	}
	return nil
}

// Two scans of one ticket at one time are one scan. Which of them the row
// keeps must not depend on which arrived first: the one that let more
// people in, then the greater entry status. A replay changes nothing.
const scanConflict = `ON CONFLICT (ticket_id, scanned_at) DO UPDATE SET people_in = excluded.people_in,
	entry_status = excluded.entry_status, delivery_id = excluded.delivery_id
	WHERE excluded.people_in > scans.people_in OR (excluded.people_in = scans.people_in
		AND COALESCE(excluded.entry_status, '') > COALESCE(scans.entry_status, ''))`

// scanWins tells whether scan a is kept over scan b at the same ticket and
// time, by scanConflict's rule.
func scanWins(a, b scanRow) bool {
	if a.peopleIn != b.peopleIn {
		return a.peopleIn > b.peopleIn
	}
	return a.status > b.status
}

func (a *applier) applyScans() error {
	for _, s := range a.facts.Scans {
		ticketID := a.tickets[s.TicketExternalID]
		if ticketID == 0 {
			r := row{table: "tickets", keyCols: []string{"provider", "external_id"}, keyVals: []any{a.facts.Provider, s.TicketExternalID}}
			var err error
			if ticketID, err = upsertStamped(a.tx, r, nil, a.now); err != nil {
				return fmt.Errorf("scan ticket: %w", err)
			}
		}
		if a.tx.cache != nil {
			a.tx.cache.scans = append(a.tx.cache.scans, scanRow{ticketID: ticketID, deliveryID: a.deliveryID,
				provider: a.facts.Provider, status: s.EntryStatus, at: s.ScannedAt.UTC(), peopleIn: s.PeopleIn})
			continue
		}
		_, err := a.tx.exec(`INSERT INTO scans (ticket_id, provider, scanned_at, people_in, entry_status, delivery_id)
			VALUES (?, ?, ?, ?, ?, ?) `+scanConflict,
			ticketID, a.facts.Provider, s.ScannedAt.UTC(), s.PeopleIn, s.EntryStatus, a.deliveryID)
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
	}
	return nil
}

func (a *applier) applyConsents() error {
	for _, c := range a.facts.Consents {
		fanID := a.fan(c.Person)
		if fanID == 0 || c.Topic == "" || c.Status == "" {
			continue
		}
		at := c.At
		if at.IsZero() {
			at = a.facts.FactAt
		}
		if a.tx.cache != nil {
			a.tx.cache.consents = append(a.tx.cache.consents, consentRow{fanID: fanID, deliveryID: a.deliveryID,
				topic: c.Topic, status: c.Status, provider: a.facts.Provider,
				source: a.facts.Provider + ":" + a.facts.EventType, detail: jsonObject(c.Detail), at: at.UTC()})
			continue
		}
		_, err := a.tx.exec(`INSERT INTO consent_changes (fan_id, topic, status, provider, source, delivery_id, detail, changed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			fanID, c.Topic, c.Status, a.facts.Provider, a.facts.Provider+":"+a.facts.EventType,
			a.deliveryID, jsonObject(c.Detail), at.UTC())
		if err != nil {
			return fmt.Errorf("consent: %w", err)
		}
	}
	return nil
}

func (a *applier) applyFormEntry() error {
	fe := a.facts.FormEntry
	if fe == nil || fe.ActivityID == "" {
		return nil
	}
	var fanID any
	if id := a.fan(fe.Person); id != 0 {
		fanID = id
	}
	var duration any
	if fe.DurationMs != nil {
		duration = *fe.DurationMs
	}
	if c := a.tx.cache; c != nil {
		k := a.facts.Provider + "\x00" + fe.ActivityID
		if _, seen := c.forms[k]; !seen {
			c.formOrder = append(c.formOrder, k)
		}
		c.forms[k] = formRow{provider: a.facts.Provider, activityID: fe.ActivityID, fanID: fanID,
			fields: jsonObject(fe.Fields), duration: duration, receivedAt: a.facts.FactAt, deliveryID: a.deliveryID}
		return nil
	}
	_, err := a.tx.exec(`INSERT INTO form_entries (provider, activity_id, fan_id, fields_json, duration_ms, received_at, delivery_id)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (provider, activity_id) DO UPDATE SET
			fan_id = COALESCE(excluded.fan_id, form_entries.fan_id), fields_json = excluded.fields_json,
			duration_ms = excluded.duration_ms, received_at = excluded.received_at, delivery_id = excluded.delivery_id`,
		a.facts.Provider, fe.ActivityID, fanID, jsonObject(fe.Fields), duration, a.facts.FactAt, a.deliveryID)
	if err != nil {
		return fmt.Errorf("form entry: %w", err)
	}
	return nil
}

func (a *applier) applyVibesList() error {
	l := a.facts.VibesList
	if l == nil || l.ListID == "" {
		return nil
	}
	pr := proposals{at: a.facts.FactAt}
	pr.str("name", l.Name)
	pr.str("url", l.URL)
	r := row{table: "vibes_lists", keyCols: []string{"list_id"}, keyVals: []any{l.ListID}}
	if _, err := upsertStamped(a.tx, r, pr.list, a.now); err != nil {
		return fmt.Errorf("vibes list: %w", err)
	}
	return nil
}

// jsonObject encodes a string map with sorted keys (encoding/json sorts map
// keys), so the same fields always give the same text.
func jsonObject(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}
