package sync_test

import (
	"fmt"
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

func vibesPerson(eventID, personKey, mdn string) delivery {
	return delivery{"vibes", fmt.Appendf(nil, `{"event_id":%q,"callback_type":"person_added","event_date":"2025-01-01T00:00Z",
		"person":{"person_key":%q,"mobile_phone":{"mdn":%q}}}`, eventID, personKey, mdn)}
}

func tikklBuyer(orderID, name, email, phone, at string) delivery {
	return delivery{"tikkl", fmt.Appendf(nil, `{"objectType":"transaction","orderId":%q,"campaignName":"C","campaignUrl":"https://tikkl.com/o/c/x",
		"orderTimeUtc":%q,"ticketCount":1,"userName":%q,"userEmail":%q,"userPhone":%q}`, orderID, at, name, email, phone)}
}

type fanRow struct {
	FanID int64
	Email *string
	Phone *string
}

func liveFans(t *testing.T, store *models.Store) []fanRow {
	t.Helper()
	var fans []fanRow
	if err := store.Read.Raw("SELECT fan_id, email, phone FROM report_fans ORDER BY fan_id").Scan(&fans).Error; err != nil {
		t.Fatal(err)
	}
	return fans
}

// A phone-only Vibes person is the same fan as a Tikkl buyer who later
// gives that phone with an email: one fan, with the merge recorded when two
// fans existed.
func TestPhoneOnlyVibesPersonJoinsEmailedTikklBuyer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		// The buyer first without a phone: two fans, until a record joins them.
		ingest(t, store,
			vibesPerson("v1", "pk-1", "447700900111"),
			tikklBuyer("o1", "Ann Lee", "ann@example.com", "", "2025-01-02T00:00:00Z"))
		if n := len(liveFans(t, store)); n != 2 {
			t.Fatalf("want 2 fans before the joining record, got %d", n)
		}
		ingest(t, store, tikklBuyer("o2", "Ann Lee", "ann@example.com", "+447700900111", "2025-01-03T00:00:00Z"))
		fans := liveFans(t, store)
		if len(fans) != 1 || fans[0].Email == nil || *fans[0].Email != "ann@example.com" || *fans[0].Phone != "+447700900111" {
			t.Fatalf("want one merged fan with email and phone, got %+v", fans)
		}
		var merges int64
		store.Read.Raw("SELECT COUNT(*) FROM fan_merges").Scan(&merges)
		if merges != 1 {
			t.Fatalf("want the merge recorded once, got %d", merges)
		}
		// History kept: both orders and the Vibes identity point at the fan.
		var orders, identities int64
		store.Read.Raw("SELECT COUNT(*) FROM orders WHERE fan_id = ?", fans[0].FanID).Scan(&orders)
		store.Read.Raw("SELECT COUNT(*) FROM fan_identities WHERE fan_id = ? AND kind = 'vibes_person_key'", fans[0].FanID).Scan(&identities)
		if orders != 2 || identities != 1 {
			t.Fatalf("history not moved to the merged fan: orders=%d vibes identities=%d", orders, identities)
		}
	})
}

// Two people sharing one phone (a family) stay two fans, in either order.
func TestSharedPhoneNeverMergesDifferentEmails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		for _, order := range [][2]int{{0, 1}, {1, 0}} {
			resetStore(t, store)
			ds := []delivery{
				tikklBuyer("o1", "Pat Doe", "pat@example.com", "+447700900222", "2025-01-02T00:00:00Z"),
				tikklBuyer("o2", "Sam Doe", "sam@example.com", "+447700900222", "2025-01-03T00:00:00Z"),
			}
			ingest(t, store, ds[order[0]], ds[order[1]])
			fans := liveFans(t, store)
			if len(fans) != 2 {
				t.Fatalf("order %v: want 2 fans sharing a phone, got %+v", order, fans)
			}
			for _, f := range fans {
				if f.Phone == nil || *f.Phone != "+447700900222" {
					t.Fatalf("order %v: each fan keeps the shared phone, got %+v", order, f)
				}
			}
		}
	})
}

// A phone-only record whose phone two people with different emails share
// joins neither of them: its consent must not land on the wrong person.
func TestAmbiguousSharedPhoneJoinsNobody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		ingest(t, store,
			tikklBuyer("o1", "Chris Doe", "chris@example.com", "+447700900333", "2025-01-02T00:00:00Z"),
			tikklBuyer("o2", "Pat Doe", "pat@example.com", "+447700900333", "2025-01-03T00:00:00Z"))
		ingest(t, store, delivery{"vibes", []byte(`{"event_id":"amb-1","callback_type":"subscription_added","event_date":"2025-01-04T00:00Z",
			"subscription":{"person":{"person_key":"pk-amb","mobile_phone":{"mdn":"447700900333"}},"subscription_list":{"id":"LM"}}}`)})
		var holders []string
		if err := store.Read.Raw(`SELECT COALESCE(email, '(no email)') FROM report_consents WHERE topic = 'vibes_list:LM'`).Scan(&holders).Error; err != nil {
			t.Fatal(err)
		}
		if len(holders) != 1 || holders[0] != "(no email)" {
			t.Fatalf("list consent landed on %v, want a fan of its own", holders)
		}
	})
}

// A Vibes person seen with a new phone, then with the old one that a FIXR
// fan with an email holds: the old phone leads the record to both fans, and
// with one email between them they are one person, whichever came first.
func TestPhoneLinksAFanFoundByProviderID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		ingest(t, store, readStory(t, "phonelink")...)
		fans := liveFans(t, store)
		if len(fans) != 1 || fans[0].Email == nil || *fans[0].Email != "p@example.com" {
			t.Fatalf("want one fan, p@example.com; got %+v", fans)
		}
	})
}
