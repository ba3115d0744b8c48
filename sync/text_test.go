package sync_test

import (
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// Text that PostgreSQL cannot hold (NUL, and bytes a form's percent escapes
// make that are not UTF-8) is cleaned the same way on both databases,
// instead of failing the delivery on one of them.
func TestTextBothDatabasesCanHold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		ingest(t, store,
			delivery{"fixr", []byte(`{"event":"customer_updated","created":"2024-01-01T00:00:00Z","message_id":"n1",
				"payload":{"user_uuid":"u-nul","email":"nul@example.com","first_name":"Jean\u0000Null"}}`)},
			delivery{"tradablebits", []byte(`{"activity_id":"2012","fan_id":"6012",
				"entry_form":"email=tb12%40example.com&first_name=L%FCbeck&last_name=a%00b"}`)})
		var failed int64
		if err := store.Read.Raw("SELECT COUNT(*) FROM deliveries WHERE status <> 'processed'").Row().Scan(&failed); err != nil {
			t.Fatal(err)
		}
		if failed != 0 {
			t.Fatalf("%d deliveries not processed", failed)
		}
		var rows []struct{ Email, FirstName, LastName string }
		if err := store.Read.Raw(`SELECT email, first_name, COALESCE(last_name, '') AS last_name
			FROM report_fans ORDER BY email`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		want := []struct{ Email, FirstName, LastName string }{
			{"nul@example.com", "JeanNull", ""},
			{"tb12@example.com", "L\uFFFDbeck", "ab"},
		}
		if len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
			t.Errorf("fans %q, want %q", rows, want)
		}
	})
}
