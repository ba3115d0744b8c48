package sync

import (
	"reflect"
	"testing"
)

var jordanIDs = []Identity{
	{IdentityVibesPersonKey, "f1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b"},
	{IdentityVibesPersonID, "1234567"},
	{IdentityVibesExternalID, "crm-42"},
}

func TestParseVibesPerson(t *testing.T) {
	f := mustParse(t, "vibes", "person_added")
	want := Person{
		IDs: jordanIDs, Email: "jordan.lee@example.com", Phone: "+14088881234",
		FirstName: "Jordan", LastName: "Lee", DateOfBirth: "1992-08-14",
	}
	if len(f.People) != 1 || !reflect.DeepEqual(f.People[0], want) {
		t.Errorf("person\n got %+v\nwant %+v", f.People, want)
	}
	if !f.FactAt.Equal(utcTime("2017-01-01T00:00:00Z")) || f.EventType != "person_added" {
		t.Errorf("envelope %q %v", f.EventType, f.FactAt)
	}

	u := mustParse(t, "vibes", "person_updated")
	if u.People[0].LastName != "Lee-Park" || u.People[0].Phone != "+14088881234" || u.People[0].Email != "" {
		t.Errorf("updated %+v", u.People[0])
	}

	// callback_type wins over the deprecated event_type.
	mm := mustParse(t, "vibes", "person_added_event_type_mismatch")
	if mm.EventType != "person_updated" || len(mm.People) != 1 {
		t.Errorf("mismatch %+v", mm)
	}
}

func TestParseVibesSubscriptions(t *testing.T) {
	a := mustParse(t, "vibes", "subscription_added")
	want := ConsentFact{
		Person: 0, Topic: "vibes_list:l1234", Status: ConsentSubscribed, At: utcTime("2017-01-02T09:30:00Z"),
		Detail: map[string]string{"opt_in_date": "2017-01-02T09:29Z", "list_url": "/companies/abc/mobiledb/subscription_lists/l1234"},
	}
	if len(a.Consents) != 1 || !reflect.DeepEqual(a.Consents[0], want) {
		t.Errorf("added\n got %+v\nwant %+v", a.Consents, want)
	}
	if len(a.People) != 1 || !reflect.DeepEqual(a.People[0].IDs, jordanIDs) {
		t.Errorf("people %+v", a.People)
	}

	r := mustParse(t, "vibes", "subscription_removed")
	if len(r.Consents) != 1 || r.Consents[0].Status != ConsentUnsubscribed || r.Consents[0].Detail["opt_out_reason"] != "user_opt_out" {
		t.Errorf("removed %+v", r.Consents)
	}

	l := mustParse(t, "vibes", "subscription_added_legacy")
	if len(l.Consents) != 1 || l.Consents[0].Topic != "vibes_list:l5678" || l.People[0].Phone != "+14155550123" {
		t.Errorf("legacy %+v %+v", l.Consents, l.People)
	}
}

func TestParseVibesParticipants(t *testing.T) {
	a := mustParse(t, "vibes", "ack_participant_added")
	want := ConsentFact{
		Person: 0, Topic: "vibes_campaign:c1234", Status: ConsentCampaignPending, At: utcTime("2017-06-01T15:00:00Z"),
		Detail: map[string]string{
			"keyword": "SUMMER", "description": "Summer text club",
			"participation_date": "2017-06-01T15:00Z", "expire_date": "2017-06-02T15:00Z",
		},
	}
	if len(a.Consents) != 1 || !reflect.DeepEqual(a.Consents[0], want) {
		t.Errorf("added\n got %+v\nwant %+v", a.Consents, want)
	}
	c := mustParse(t, "vibes", "ack_participant_changed")
	if len(c.Consents) != 1 || c.Consents[0].Status != ConsentCampaignConfirmed {
		t.Errorf("changed %+v", c.Consents)
	}
	l := mustParse(t, "vibes", "ack_participant_added_legacy")
	if len(l.Consents) != 1 || l.Consents[0].Status != ConsentCampaignPending || l.Consents[0].Topic != "vibes_campaign:c1234" ||
		l.People[0].IDs[0] != (Identity{IdentityVibesPersonID, "7654321"}) {
		t.Errorf("legacy %+v %+v", l.Consents, l.People)
	}
}

// A status Vibes did not document is kept as Vibes said it, lower-cased
// like the documented ones.
func TestParseVibesUndocumentedParticipantStatus(t *testing.T) {
	b := `{"callback_type":"ack_participant_changed","event_date":"2017-06-03T10:00Z","participant":{"person":{"person_key":"k"},"acquisition_campaign":{"id":"c1234"},"status":"EXPIRED"}}`
	f, err := ParseVibes([]byte(b), receivedAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Consents) != 1 || f.Consents[0].Status != "expired" || f.Consents[0].Topic != "vibes_campaign:c1234" {
		t.Errorf("consents %+v", f.Consents)
	}
}

func TestParseVibesLists(t *testing.T) {
	a := mustParse(t, "vibes", "subscription_list_added")
	want := VibesListFact{ListID: "l1234", Name: "VIP Alerts", URL: "/companies/abc/mobiledb/subscription_lists/l1234"}
	if a.VibesList == nil || !reflect.DeepEqual(*a.VibesList, want) {
		t.Errorf("list %+v", a.VibesList)
	}
	u := mustParse(t, "vibes", "subscription_list_updated")
	if u.VibesList.Name != "VIP Alerts ★" {
		t.Errorf("updated list %+v", u.VibesList)
	}
}

func TestParseVibesUnknownAndErrors(t *testing.T) {
	x := mustParse(t, "vibes", "unknown_callback")
	if !x.Ignored || x.EventType != "message_delivered" {
		t.Errorf("unknown %+v", x)
	}
	for _, b := range []string{
		`{"callback_type":"person_added","person":{"custom_fields":{"first_name":"X"}}}`,
		`{"callback_type":"subscription_added","subscription":{"person":{"person_key":"k"}}}`,
		`{"callback_type":"subscription_added","subscription":{"subscription_list":{"id":"l1"}}}`,
		`{"callback_type":"ack_participant_changed","participant":{"person":{"person_key":"k"},"acquisition_campaign":{"id":"c"},"status":"OK?"}}`,
		`{"callback_type":"subscription_list_added","subscription_list":{"name":"no id"}}`,
		`{"callback_type":"person_added","event_date":"01/01/2017","person":{"person_key":"k"}}`,
	} {
		if _, err := ParseVibes([]byte(b), receivedAt); err == nil {
			t.Errorf("%s: want error", b)
		}
	}
}

// Vibes people type their birth dates month first, as Americans do.
func TestParseVibesBirthDateMonthFirst(t *testing.T) {
	body := []byte(`{"event_id":"dob-1","callback_type":"person_added","event_date":"2017-01-01T00:00Z",
		"person":{"person_key":"pk-dob","mobile_phone":{"mdn":"+14088881234"},"custom_fields":{"birthdate":"08/09/1988"}}}`)
	f, err := ParseVibes(body, receivedAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.People) != 1 || f.People[0].DateOfBirth != "1988-08-09" {
		t.Fatalf("people %+v, want a birth date of 1988-08-09", f.People)
	}
}
