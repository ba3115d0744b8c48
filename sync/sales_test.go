package sync_test

import (
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// A Tikkl transaction counts its ticketCount while none of its ticket lines
// has come, and then its lines, like every other order: report_event_sales
// agrees with report_tickets once there are lines.
func TestTikklSalesCountLinesOnceTheyCome(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		story := readStory(t, "tikkl") // the transaction (ticketCount 2), ticket -001, ticket -002
		for i, want := range []struct{ orders, sold int64 }{{1, 2}, {1, 1}, {1, 2}} {
			ingest(t, store, story[i])
			var orders, sold, lines int64
			if err := store.Read.Raw(`SELECT SUM(orders), SUM(tickets_sold),
				(SELECT COALESCE(SUM(quantity), 0) FROM report_tickets) FROM report_event_sales`).
				Row().Scan(&orders, &sold, &lines); err != nil {
				t.Fatal(err)
			}
			if orders != want.orders || sold != want.sold {
				t.Errorf("after %d deliveries: %d orders, %d sold; want %d, %d", i+1, orders, sold, want.orders, want.sold)
			}
			if i > 0 && sold != lines {
				t.Errorf("after %d deliveries: %d sold, %d in report_tickets", i+1, sold, lines)
			}
		}
	})
}
