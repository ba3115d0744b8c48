package sync

import (
	"reflect"
	"testing"
)

func TestParseFIXREvents(t *testing.T) {
	tests := []struct {
		name, status string
		factAt       string
		full         bool
	}{
		{"event_created", "Draft", "2023-09-20T10:57:15Z", true},
		{"event_updated", "Draft", "2023-09-20T10:57:15Z", true},
		{"event_published", "Live", "2023-09-20T12:57:15Z", false},
		{"event_ended", "Ended", "2023-09-22T22:59:00Z", true}, // payload says Live
	}
	for _, tt := range tests {
		f := mustParse(t, "fixr", tt.name)
		if f.EventType != tt.name || f.Ignored || !f.FactAt.Equal(utcTime(tt.factAt)) {
			t.Errorf("%s: envelope %q ignored=%v at %v", tt.name, f.EventType, f.Ignored, f.FactAt)
		}
		ev := f.Event
		if ev == nil || ev.ExternalID != "919509149" || ev.AccountID != "930327450" ||
			ev.Name != "FIXR Event Created Webhook Response" || ev.Status != tt.status || ev.Stub {
			t.Fatalf("%s: event %+v", tt.name, ev)
		}
		// created_by is the organiser's staff account, never a fan.
		if len(f.People) != 0 || len(f.Consents) != 0 {
			t.Errorf("%s: people %+v", tt.name, f.People)
		}
		if !tt.full {
			if ev.Capacity != nil || ev.OpensAt != nil {
				t.Errorf("%s: fields invented: %+v", tt.name, ev)
			}
			continue
		}
		want := EventFact{
			ExternalID: "919509149", AccountID: "930327450",
			Name: "FIXR Event Created Webhook Response", Status: tt.status,
			Capacity: ptr(int64(150)), Category: "Courses, Training and Workshops",
			URL: "https://eventurl.com", VenueName: "02 Arena", City: "London",
			Country: "United Kingdom", Timezone: "Europe/London",
			OpensAt:  ptr(utcTime("2023-09-22T04:00:00Z")),
			ClosesAt: ptr(utcTime("2023-09-22T22:59:00Z")),
		}
		if !reflect.DeepEqual(*ev, want) {
			t.Errorf("%s: event\n got %+v\nwant %+v", tt.name, *ev, want)
		}
	}
}

func TestParseFIXRPublishedWithoutStatus(t *testing.T) {
	f := mustParse(t, "fixr", "event_published_no_status")
	if f.Event.Status != "Live" || f.Event.ExternalID != "919509150" {
		t.Errorf("event %+v", f.Event)
	}
}

var ron = Person{
	IDs:   []Identity{{IdentityFIXRUser, "f68475c8-5a8e-4b1e-841f-13f37cc8a66b"}},
	Email: "ron.weasley@hogwarts.co", Phone: "+44726730425",
	FirstName: "Ron", LastName: "Weasley", DateOfBirth: "1991-05-11", Gender: "m",
}

func TestParseFIXRTicketSold(t *testing.T) {
	f := mustParse(t, "fixr", "ticket_sold")
	soldAt := utcTime("2023-09-20T11:11:17Z")
	wantTicket := TicketFact{
		ExternalID: "XHWFtRfJe3QTvkCsagzff3", EventExternalID: "919509149",
		OrderExternalID: "604bdd96", Person: 0,
		TicketType: "General Admission", TicketTypeID: "540568",
		Quantity: ptr(int64(3)), UnitPriceMinor: ptr(int64(800)), BookingFeeMinor: ptr(int64(82)),
		Currency: "GBP", SoldAt: &soldAt,
	}
	if len(f.Tickets) != 1 || !reflect.DeepEqual(f.Tickets[0], wantTicket) {
		t.Errorf("tickets\n got %+v\nwant %+v", f.Tickets, wantTicket)
	}
	wantOrder := OrderFact{ExternalID: "604bdd96", EventExternalID: "919509149", Person: 0, SoldAt: &soldAt, PromoCode: "PROMOCODE"}
	if f.Order == nil || !reflect.DeepEqual(*f.Order, wantOrder) {
		t.Errorf("order %+v", f.Order)
	}
	if ev := f.Event; ev == nil || !ev.Stub || ev.ExternalID != "919509149" ||
		ev.Name != "FIXR Event Created Webhook Response" || ev.URL != "https://eventurl.com" {
		t.Errorf("stub event %+v", f.Event)
	}
	if len(f.People) != 1 || !reflect.DeepEqual(f.People[0], ron) {
		t.Errorf("people\n got %+v\nwant %+v", f.People, ron)
	}
	wantConsent := ConsentFact{Person: 0, Topic: TopicMarketing, Status: "opt_in", At: utcTime("2023-09-20T11:11:19Z")}
	if len(f.Consents) != 1 || !reflect.DeepEqual(f.Consents[0], wantConsent) {
		t.Errorf("consents %+v", f.Consents)
	}
}

func TestParseFIXRTicketSoldCurrencies(t *testing.T) {
	jpy := mustParse(t, "fixr", "ticket_sold_jpy_unicode")
	tk := jpy.Tickets[0]
	if tk.Currency != "JPY" || *tk.UnitPriceMinor != 3500 || *tk.BookingFeeMinor != 220 || *tk.Quantity != 2 || tk.TicketTypeID != "77" {
		t.Errorf("JPY ticket %+v", tk)
	}
	if jpy.Event.ExternalID != "1093377" || jpy.Event.Name != "東京ナイト" {
		t.Errorf("JPY event %+v", jpy.Event)
	}
	if len(jpy.People) != 2 {
		t.Fatalf("JPY people %+v", jpy.People)
	}
	zoe := jpy.People[0]
	if zoe.Email != "zoe.nunez@example.com" || zoe.Phone != "+447700900123" || zoe.FirstName != "Zoë" ||
		zoe.LastName != "Ñúñez-Łukasz" || zoe.DateOfBirth != "1995-03-02" || zoe.Gender != "non-binary" {
		t.Errorf("Zoë %+v", zoe)
	}
	if tk.Person != 0 || len(jpy.Consents) != 2 || jpy.Consents[0].Status != "soft_opt_in" ||
		jpy.Consents[1].Status != "soft_opt_out" || jpy.Consents[1].Person != 1 {
		t.Errorf("JPY consents %+v", jpy.Consents)
	}

	bhd := mustParse(t, "fixr", "ticket_sold_bhd")
	tk = bhd.Tickets[0]
	if tk.Currency != "BHD" || *tk.UnitPriceMinor != 12500 || *tk.BookingFeeMinor != 250 {
		t.Errorf("BHD ticket %+v", tk)
	}
	if !bhd.FactAt.Equal(utcTime("2024-05-01T15:00:01Z")) || !tk.SoldAt.Equal(utcTime("2024-05-01T18:00:00Z")) {
		t.Errorf("BHD times %v %v", bhd.FactAt, tk.SoldAt)
	}

	free := mustParse(t, "fixr", "ticket_sold_free_no_holders")
	tk = free.Tickets[0]
	if tk.Currency != "EUR" || *tk.UnitPriceMinor != 0 || tk.BookingFeeMinor != nil || *tk.Quantity != 1 ||
		tk.Person != -1 || free.Order.Person != -1 || len(free.People) != 0 {
		t.Errorf("free ticket %+v order %+v", tk, free.Order)
	}
}

func TestParseFIXRTicketSoldErrors(t *testing.T) {
	bodies := []string{
		`{"event":"ticket_sold","payload":{"ticket_reference":"T","price":{"amount":"1,234.50","currency":"GBP"}}}`,
		`{"event":"ticket_sold","payload":{"ticket_reference":"T","price":{"amount":"8.00"}}}`,
		`{"event":"ticket_sold","payload":{"ticket_reference":"T","price":{"amount":"8","currency":"GBP"},"booking_fee":{"amount":"1","currency":"EUR"}}}`,
		`{"event":"ticket_sold","payload":{"ticket_reference":"T","quantity":"two"}}`,
		`{"event":"ticket_sold","payload":{"ticket_reference":"T","quantity":-1}}`,
		`{"event":"ticket_sold","payload":{"ticket_reference":"T","sold_at":"yesterday"}}`,
		`{"event":"ticket_sold","payload":{"order_reference":"O"}}`,
		`{"event":"ticket_sold","created":"soon","payload":{"ticket_reference":"T"}}`,
		`{"event":"event_created","payload":{"name":"no id"}}`,
		`{"event":"customer_updated","payload":{"first_name":"Nobody"}}`,
	}
	for _, b := range bodies {
		if _, err := ParseFIXR([]byte(b), receivedAt); err == nil {
			t.Errorf("%s: want error", b)
		}
	}
}

func TestParseFIXRTicketScanned(t *testing.T) {
	f := mustParse(t, "fixr", "ticket_scanned")
	want := TicketFact{
		ExternalID: "XHWFtRfJe3QTvkCsagzff3", EventExternalID: "919509149", Person: 0,
		TicketType: "General Admission", TicketTypeID: "540568",
	}
	if len(f.Tickets) != 1 || !reflect.DeepEqual(f.Tickets[0], want) {
		t.Errorf("ticket %+v", f.Tickets)
	}
	wantScan := ScanFact{TicketExternalID: "XHWFtRfJe3QTvkCsagzff3", ScannedAt: utcTime("2023-09-20T11:16:11Z"), PeopleIn: 3, EntryStatus: "Confirmed"}
	if len(f.Scans) != 1 || !reflect.DeepEqual(f.Scans[0], wantScan) {
		t.Errorf("scan %+v", f.Scans)
	}
	if f.Order != nil || f.Event == nil || !f.Event.Stub || len(f.People) != 1 || len(f.Consents) != 1 {
		t.Errorf("facts %+v", f)
	}

	min := mustParse(t, "fixr", "ticket_scanned_minimal")
	if len(min.Scans) != 1 || min.Scans[0].PeopleIn != 1 || !min.Scans[0].ScannedAt.Equal(min.FactAt) ||
		min.Tickets[0].Person != -1 || len(min.People) != 0 {
		t.Errorf("minimal scan %+v", min)
	}
}

func TestParseFIXRCustomerUpdated(t *testing.T) {
	f := mustParse(t, "fixr", "customer_updated")
	want := Person{
		IDs:   []Identity{{IdentityFIXRUser, "f68475c8-5a8e-4b1e-841f-13f37cc8a66b"}},
		Email: "user@email.com", Phone: "+4445678910", FirstName: "Harry", LastName: "Potter",
		DateOfBirth: "1991-11-05", Gender: "m", Language: "en",
	}
	if len(f.People) != 1 || !reflect.DeepEqual(f.People[0], want) {
		t.Errorf("person\n got %+v\nwant %+v", f.People, want)
	}
	if len(f.Consents) != 1 || f.Consents[0].Status != "opt_in" || !f.Consents[0].At.Equal(f.FactAt) {
		t.Errorf("consents %+v", f.Consents)
	}

	nulls := mustParse(t, "fixr", "customer_updated_nulls")
	p := nulls.People[0]
	if p.Email != "" || p.Phone != "+447700900456" || p.FirstName != "Hermione" || p.LastName != "" || len(nulls.Consents) != 0 {
		t.Errorf("nulls %+v %+v", p, nulls.Consents)
	}
}

func TestParseFIXRUnknownEvent(t *testing.T) {
	f := mustParse(t, "fixr", "unknown_event")
	if !f.Ignored || f.EventType != "order_refunded" || f.Event != nil || f.Order != nil {
		t.Errorf("unknown %+v", f)
	}
	// An envelope without created falls back to the receipt time.
	g, err := ParseFIXR([]byte(`{"event":"whatever"}`), receivedAt)
	if err != nil || !g.Ignored || !g.FactAt.Equal(receivedAt) {
		t.Errorf("no created: %+v %v", g, err)
	}
}
