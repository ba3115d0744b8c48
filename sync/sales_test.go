package sync_test

import (
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// A Tikkl transaction of two tickets counts two sold while its ticket
// lines arrive one by one: the figure never drops to the lines seen so far.
func TestTikklSalesNeverDropWhileLinesArrive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		story := readStory(t, "tikkl") // the transaction (ticketCount 2), ticket -001, ticket -002
		for i, want := range []struct{ orders, sold int64 }{{1, 2}, {1, 2}, {1, 2}} {
			ingest(t, store, story[i])
			var orders, sold int64
			if err := store.Read.Raw("SELECT SUM(orders), SUM(tickets_sold) FROM report_event_sales").
				Row().Scan(&orders, &sold); err != nil {
				t.Fatal(err)
			}
			if orders != want.orders || sold != want.sold {
				t.Errorf("after %d deliveries: %d orders, %d sold; want %d, %d", i+1, orders, sold, want.orders, want.sold)
			}
		}
	})
}
