package sync

import (
	"reflect"
	"testing"
)

const techConf = "https://tikkl.com/awesomeorg/c/tech-conf"

func TestParseTikklTransaction(t *testing.T) {
	f := mustParse(t, "tikkl", "transaction")
	at := utcTime("2025-06-22T14:45:30Z")
	if f.EventType != "transaction" || !f.FactAt.Equal(at) {
		t.Errorf("envelope %q %v", f.EventType, f.FactAt)
	}
	wantOrder := OrderFact{
		ExternalID: "123-45678901-2345678", EventExternalID: techConf, Person: 0, SoldAt: &at,
		TicketCount: ptr(int64(2)),
		URL:         "https://tikkl.com/awesomeorg/admin/c/tech-conf/participation/123-45678901-2345678",
	}
	if f.Order == nil || !reflect.DeepEqual(*f.Order, wantOrder) {
		t.Errorf("order\n got %+v\nwant %+v", f.Order, wantOrder)
	}
	wantPerson := Person{Email: "jane@example.com", Phone: "+14088881234", FirstName: "Jane", LastName: "Doe", FullName: "Jane Doe"}
	if len(f.People) != 1 || !reflect.DeepEqual(f.People[0], wantPerson) {
		t.Errorf("people %+v", f.People)
	}
	wantEvent := EventFact{ExternalID: techConf, AccountID: "awesomeorg", Name: "Tech Conference 2025", URL: techConf}
	if f.Event == nil || !reflect.DeepEqual(*f.Event, wantEvent) {
		t.Errorf("event %+v", f.Event)
	}
	if len(f.Tickets) != 0 {
		t.Errorf("tickets %+v", f.Tickets)
	}
}

func TestParseTikklTicket(t *testing.T) {
	f := mustParse(t, "tikkl", "ticket")
	at := utcTime("2025-06-22T14:45:30Z")
	want := TicketFact{
		ExternalID: "123-45678901-2345678-001", EventExternalID: techConf,
		OrderExternalID: "123-45678901-2345678", Person: 0, Quantity: ptr(int64(1)), SoldAt: &at,
	}
	if len(f.Tickets) != 1 || !reflect.DeepEqual(f.Tickets[0], want) {
		t.Errorf("ticket\n got %+v\nwant %+v", f.Tickets, want)
	}
	wantOrder := OrderFact{ExternalID: "123-45678901-2345678", EventExternalID: techConf, Person: -1}
	if f.Order == nil || !reflect.DeepEqual(*f.Order, wantOrder) {
		t.Errorf("order %+v", f.Order)
	}
	if f.Event == nil || f.Event.Stub || f.Event.Name != "My Tech Conference" {
		t.Errorf("event %+v", f.Event)
	}
	if len(f.People) != 1 || f.People[0].FullName != "John Smith" || f.People[0].LastName != "Smith" || f.People[0].Email != "john@example.com" {
		t.Errorf("people %+v", f.People)
	}
}

func TestParseTikklEdgeCases(t *testing.T) {
	u := mustParse(t, "tikkl", "transaction_unicode_strings")
	p := u.People[0]
	if u.Order.ExternalID != "987654321" || *u.Order.TicketCount != 3 || u.Order.URL != "" ||
		p.Email != "maria.garcia@example.es" || p.FirstName != "María José García" || p.LastName != "Núñez" ||
		p.FullName != "María José García Núñez" || p.Phone != "+447700900123" ||
		!u.FactAt.Equal(utcTime("2025-07-01T20:00:00Z")) {
		t.Errorf("unicode %+v %+v", u.Order, p)
	}

	m := mustParse(t, "tikkl", "ticket_missing_optional")
	// No email or phone: the name alone cannot find a fan.
	if len(m.People) != 0 || m.Tickets[0].Person != -1 || m.Order != nil ||
		m.Event.Name != "Pop-up" || !m.FactAt.Equal(receivedAt) {
		t.Errorf("missing optional %+v", m)
	}

	x := mustParse(t, "tikkl", "unknown_object")
	if !x.Ignored || x.EventType != "refund" {
		t.Errorf("unknown %+v", x)
	}
	for _, b := range []string{
		`{"objectType":"transaction","orderTimeUtc":"22/06/2025"}`,
		`{"objectType":"transaction","orderId":"1","ticketCount":"lots"}`,
		`{"objectType":"ticket","orderId":"1"}`,
	} {
		if _, err := ParseTikkl([]byte(b), receivedAt); err == nil {
			t.Errorf("%s: want error", b)
		}
	}
}

// One campaign's URL written with and without a trailing slash is one event.
func TestParseTikklCampaignURLWithSlash(t *testing.T) {
	var keys []string
	for _, u := range []string{"https://tikkl.com/o/c/x", "https://tikkl.com/o/c/x/"} {
		f, err := ParseTikkl([]byte(`{"objectType":"transaction","orderId":"1","campaignUrl":"`+u+`","userEmail":"a@example.com"}`), receivedAt)
		if err != nil || f.Event == nil || f.Order == nil {
			t.Fatalf("%s: %+v %v", u, f, err)
		}
		keys = append(keys, f.Event.ExternalID, f.Order.EventExternalID)
	}
	for _, k := range keys {
		if k != "https://tikkl.com/o/c/x" {
			t.Errorf("campaign keys %q", keys)
		}
	}
}
