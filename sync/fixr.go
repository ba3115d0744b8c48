package sync

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParseFIXR parses a FIXR webhook: an envelope {event, payload, created,
// message_id, fixr_account_id} around one of seven payload shapes.
func ParseFIXR(body []byte, receivedAt time.Time) (Facts, error) {
	f := Facts{Provider: ProviderFIXR}
	m, err := decodeObject(body)
	if err != nil {
		return f, err
	}
	f.EventType = strings.ToLower(getStr(m, "event"))
	if f.FactAt, err = factTime(m, "created", receivedAt); err != nil {
		return f, err
	}
	p := getObj(m, "payload")
	account := getStr(m, "fixr_account_id")

	switch f.EventType {
	case "event_created", "event_updated", "event_published", "event_ended":
		err = fixrEvent(&f, p, account)
	case "ticket_sold":
		err = fixrTicketSold(&f, p, account)
	case "ticket_scanned":
		err = fixrTicketScanned(&f, p, account)
	case "customer_updated":
		fixrHolders(&f, []object{p})
		if len(f.People) == 0 {
			err = errors.New("customer_updated: no user_uuid, email or mobile_number")
		}
	default:
		f.Ignored = true
	}
	if err != nil {
		return f, fmt.Errorf("fixr %s: %w", f.EventType, err)
	}
	return f, nil
}

func fixrEvent(f *Facts, p object, account string) error {
	ev := &EventFact{
		ExternalID: getStr(p, "event_id"),
		AccountID:  account,
		Name:       getStr(p, "name"),
		Status:     getStr(p, "status"),
		Category:   getStr(p, "category"),
		URL:        getStr(p, "event_url"),
	}
	if ev.ExternalID == "" {
		return errors.New("missing event_id")
	}
	switch {
	case f.EventType == "event_ended":
		// The example payload still says "Live": the trigger is the truth.
		ev.Status = "Ended"
	case f.EventType == "event_published" && ev.Status == "":
		ev.Status = "Live"
	}
	var err error
	if ev.Capacity, err = getCount(p, "capacity"); err != nil {
		return err
	}
	if ev.OpensAt, err = getTime(p, "open_time"); err != nil {
		return err
	}
	if ev.ClosesAt, err = getTime(p, "close_time"); err != nil {
		return err
	}
	fixrLocation(ev, getObj(p, "location"))
	f.Event = ev
	return nil
}

func fixrLocation(ev *EventFact, loc object) {
	ev.VenueName = getStr(loc, "name")
	ev.City = getStr(loc, "city")
	ev.Country = getStr(loc, "country")
	ev.Timezone = getStr(loc, "timezone")
}

// fixrStubEvent is the event a ticket or scan mentions; created_by and
// friends are absent here, and the applier never updates from a stub.
func fixrStubEvent(p object, account string) *EventFact {
	id := getStr(p, "event_id")
	if id == "" {
		return nil
	}
	ev := &EventFact{
		ExternalID: id,
		AccountID:  account,
		Name:       getStr(p, "event_name"),
		URL:        getStr(p, "event_url"),
		Stub:       true,
	}
	fixrLocation(ev, getObj(p, "location"))
	return ev
}

// fixrHolders adds each ticket holder (or the customer_updated payload) as a
// person, with their marketing consent, and returns the first one's index.
func fixrHolders(f *Facts, holders []object) int {
	first := -1
	for _, h := range holders {
		per := Person{
			Email:     NormalizeEmail(getStr(h, "email")),
			Phone:     NormalizePhone(getStr(h, "mobile_number"), "GB"),
			FirstName: getStr(h, "first_name"),
			LastName:  getStr(h, "last_name"),
			Gender:    firstNonEmpty(getStr(h, "gender"), getStr(h, "gender_self_describe")),
			Language:  getStr(h, "preferred_language"),
		}
		per.addID(IdentityFIXRUser, getStr(h, "user_uuid"))
		per.setDateOfBirth(getStr(h, "date_of_birth"))
		i := f.addPerson(per)
		if i < 0 {
			continue
		}
		if first < 0 {
			first = i
		}
		if st := marketingStatus(getStr(h, "contact_preferences_user_response")); st != "" {
			f.Consents = append(f.Consents, ConsentFact{
				Person: i, Topic: TopicMarketing, Status: st, At: f.FactAt,
			})
		}
	}
	return first
}

// marketingStatus accepts FIXR's four documented values in any case. A
// value FIXR did not document is kept as FIXR said it, lower-cased, when it
// reads as a status: the ledger then shows it, and the fan no longer counts
// as opted in on the strength of an older statement. Anything else is not
// guessed at (the raw body keeps it).
func marketingStatus(s string) string {
	switch s = strings.ToLower(s); {
	case s == ConsentMarketingOptIn, s == ConsentMarketingOptOut, s == ConsentMarketingSoftIn, s == ConsentMarketingSoftOut:
		return s
	case isStatusWord(s):
		return s
	}
	return ""
}

// fixrTicket reads what every FIXR ticket webhook says of its ticket.
func fixrTicket(p object) (TicketFact, error) {
	t := TicketFact{
		ExternalID:      getStr(p, "ticket_reference"),
		EventExternalID: getStr(p, "event_id"),
		TicketType:      getStr(p, "ticket_type"),
		TicketTypeID:    getStr(p, "ticket_type_id"),
	}
	if t.ExternalID == "" {
		return t, errors.New("missing ticket_reference")
	}
	return t, nil
}

func fixrTicketSold(f *Facts, p object, account string) error {
	t, err := fixrTicket(p)
	if err != nil {
		return err
	}
	t.OrderExternalID = getStr(p, "order_reference")
	if t.SoldAt, err = getTime(p, "sold_at"); err != nil {
		return err
	}
	if t.SoldAt == nil {
		at := f.FactAt
		t.SoldAt = &at
	}
	if t.Quantity, err = getCount(p, "quantity"); err != nil {
		return err
	}
	if t.Quantity == nil {
		// A sold line is at least one ticket; nil would count as zero sold.
		one := int64(1)
		t.Quantity = &one
	}
	if err := fixrPrices(&t, getObj(p, "price"), getObj(p, "booking_fee")); err != nil {
		return err
	}
	t.Person = fixrHolders(f, getList(p, "ticket_holders"))
	f.Tickets = []TicketFact{t}
	f.Event = fixrStubEvent(p, account)
	if t.OrderExternalID != "" {
		f.Order = &OrderFact{
			ExternalID:      t.OrderExternalID,
			EventExternalID: t.EventExternalID,
			Person:          t.Person,
			SoldAt:          t.SoldAt,
			PromoCode:       getStr(p, "promo_code"),
		}
	}
	return nil
}

// fixrPrices fills the per-ticket price and booking fee. One ticket line has
// one currency, so a price and fee in different currencies is an error.
func fixrPrices(t *TicketFact, price, fee object) error {
	pc := NormalizeCurrency(getStr(price, "currency"))
	fc := NormalizeCurrency(getStr(fee, "currency"))
	if pc != "" && fc != "" && pc != fc {
		return fmt.Errorf("price in %s but booking_fee in %s", pc, fc)
	}
	t.Currency = firstNonEmpty(pc, fc)
	var err error
	if t.UnitPriceMinor, err = money(price, t.Currency, "price"); err != nil {
		return err
	}
	t.BookingFeeMinor, err = money(fee, t.Currency, "booking_fee")
	return err
}

// money reads {amount, currency} into minor units; nil when no amount.
func money(m object, currency, what string) (*int64, error) {
	amount := getStr(m, "amount")
	if amount == "" {
		return nil, nil
	}
	if currency == "" {
		return nil, fmt.Errorf("%s %q without a currency", what, amount)
	}
	v, err := ParseMinorUnits(amount, currency)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &v, nil
}

func fixrTicketScanned(f *Facts, p object, account string) error {
	t, err := fixrTicket(p)
	if err != nil {
		return err
	}
	s := ScanFact{TicketExternalID: t.ExternalID, EntryStatus: getStr(p, "entry_status")}
	at, err := factTime(p, "time_in", f.FactAt)
	if err != nil {
		return err
	}
	s.ScannedAt = at
	in, err := getCount(p, "people_in")
	if err != nil {
		return err
	}
	s.PeopleIn = 1 // a scan admits someone even when the count is missing
	if in != nil {
		s.PeopleIn = *in
	}
	t.Person = fixrHolders(f, getList(p, "ticket_holders"))
	f.Tickets = []TicketFact{t}
	f.Scans = []ScanFact{s}
	f.Event = fixrStubEvent(p, account)
	return nil
}
