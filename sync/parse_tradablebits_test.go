package sync

import (
	"reflect"
	"testing"
)

func TestParseTradableBitsForm(t *testing.T) {
	f := mustParse(t, "tradablebits", "submit_form")
	if f.EventType != "activity" || !f.FactAt.Equal(receivedAt) {
		t.Errorf("envelope %q %v", f.EventType, f.FactAt)
	}
	wantPerson := Person{
		IDs:   []Identity{{IdentityTradableBitsFan, "123456"}},
		Email: "fan@example.com", Phone: "+447700900123", FirstName: "Alex", LastName: "Morgan",
		DateOfBirth: "1990-04-01", Postcode: "SW1A 1AA", Country: "GB",
	}
	if len(f.People) != 1 || !reflect.DeepEqual(f.People[0], wantPerson) {
		t.Errorf("person\n got %+v\nwant %+v", f.People, wantPerson)
	}
	fe := f.FormEntry
	if fe == nil || fe.ActivityID != "99887766" || fe.Person != 0 || fe.DurationMs == nil || *fe.DurationMs != 45210 {
		t.Fatalf("entry %+v", fe)
	}
	wantFields := map[string]string{
		"email": "Fan@Example.com", "first_name": "Alex", "last_name": "Morgan", "phone": "07700900123",
		"birthday": "1990-04-01", "postal_code": "SW1A 1AA", "country": "GB", "opt_in": "1",
		"favourite_band": "The Beatles",
		"activity_id":    "99887766", "fan_id": "123456", "activity_duration_ms": "45210",
		"campaign_id": "4321", "campaign_name": "Summer Sweepstakes", "page_tab": "true",
	}
	if !reflect.DeepEqual(fe.Fields, wantFields) {
		t.Errorf("fields\n got %v\nwant %v", fe.Fields, wantFields)
	}
	if len(f.Consents) != 1 || f.Consents[0].Status != "opt_in" || f.Consents[0].Topic != TopicMarketing {
		t.Errorf("consents %+v", f.Consents)
	}
}

// A form without an activity_id is kept all the same, under its body's
// SHA-256, the delivery's dedup key.
func TestParseTradableBitsFormWithoutActivityID(t *testing.T) {
	body := []byte(`{"fan_id":"77","entry_form":"email=h6%40x.com&favourite=jazz"}`)
	f, err := ParseTradableBits(body, receivedAt)
	if err != nil {
		t.Fatal(err)
	}
	if _, key := DeliveryKey(ProviderTradableBits, body); f.FormEntry == nil || f.FormEntry.ActivityID != key ||
		f.FormEntry.Fields["favourite"] != "jazz" {
		t.Fatalf("entry %+v, want it keyed %s with its fields", f.FormEntry, key)
	}
}

// A repeated form key fills the fan with its first value and is kept whole
// with the entry; a form field named like one of the post's own keeps the
// post's value under its name and the form's beside it.
func TestParseTradableBitsRepeatedAndClashingKeys(t *testing.T) {
	body := []byte(`{"activity_id":"7001","fan_id":"880",
		"entry_form":"email=col%40example.com&fan_id=999&activity_id=zzz&email=second%40example.com"}`)
	f, err := ParseTradableBits(body, receivedAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.People) != 1 || f.People[0].Email != "col@example.com" {
		t.Errorf("people %+v, want col@example.com", f.People)
	}
	want := map[string]string{
		"activity_id": "7001", "fan_id": "880", "entry_form.activity_id": "zzz", "entry_form.fan_id": "999",
		"email": "col@example.com,second@example.com",
	}
	if f.FormEntry.ActivityID != "7001" || !reflect.DeepEqual(f.FormEntry.Fields, want) {
		t.Errorf("entry %s: fields %v, want %v", f.FormEntry.ActivityID, f.FormEntry.Fields, want)
	}
}

func TestParseTradableBitsVariants(t *testing.T) {
	b := mustParse(t, "tradablebits", "submit_form_blank_duration")
	p := b.People[0]
	if b.FormEntry.DurationMs != nil || b.FormEntry.ActivityID != "99887767" || p.IDs[0].Value != "123457" ||
		p.Email != "sean@example.ie" || p.FullName != "Seán Ó Bráin" || p.LastName != "Bráin" ||
		p.Phone != "+353871234567" || p.DateOfBirth != "1988-03-17" || p.Postcode != "D02 X285" {
		t.Errorf("blank duration %+v %+v", b.FormEntry, p)
	}
	if b.FormEntry.Fields["interests"] != "music,sport" || b.FormEntry.Fields["score"] != "12.5" {
		t.Errorf("fields %v", b.FormEntry.Fields)
	}
	if len(b.Consents) != 1 || b.Consents[0].Status != "opt_out" {
		t.Errorf("newsletter=no: %+v", b.Consents)
	}

	m := mustParse(t, "tradablebits", "submit_form_missing_duration")
	p = m.People[0]
	if m.FormEntry.DurationMs != nil || p.FirstName != "Li" || p.LastName != "Wei" || p.DateOfBirth != "" ||
		m.FormEntry.Fields["date_of_birth"] != "not-a-date" || m.FormEntry.Fields["bad"] != "%zz" ||
		len(m.Consents) != 1 || m.Consents[0].Status != "opt_in" {
		t.Errorf("missing duration %+v %+v", m.FormEntry, p)
	}

	o := mustParse(t, "tradablebits", "submit_form_object")
	if *o.FormEntry.DurationMs != 3021 || o.People[0].Email != "obj@example.com" ||
		o.FormEntry.Fields["opt_in"] != "true" || o.FormEntry.Fields["tags"] != "a,b" || o.Consents[0].Status != "opt_in" {
		t.Errorf("object form %+v", o.FormEntry)
	}

	n := mustParse(t, "tradablebits", "submit_form_no_entry")
	if n.FormEntry.Person != 0 || n.FormEntry.Fields["activity_duration_ms"] != "" || len(n.Consents) != 0 {
		t.Errorf("no entry %+v", n.FormEntry)
	}
}

func TestFormBool(t *testing.T) {
	for in, want := range map[string]string{
		"1": "opt_in", "TRUE": "opt_in", "yes": "opt_in", "on": "opt_in", "Y": "opt_in",
		"0": "opt_out", "false": "opt_out", "No": "opt_out", "off": "opt_out", "n": "opt_out",
		"": "", "maybe": "",
	} {
		if got := formBool(in); got != want {
			t.Errorf("formBool(%q) = %q, want %q", in, got, want)
		}
	}
}
