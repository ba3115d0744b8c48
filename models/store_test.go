package models_test

import (
	"context"
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

func TestMigrateCreatesTheReportingViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		for _, view := range []string{"report_fans", "report_tickets", "report_event_sales",
			"report_consents", "report_form_entries", "report_deliveries"} {
			var n int64
			if err := store.Read.Raw("SELECT COUNT(*) FROM " + view).Scan(&n).Error; err != nil {
				t.Errorf("%s: %v", view, err)
			}
		}
		// Migrating again is a no-op.
		if err := store.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOpenRejectsAnUnknownURL(t *testing.T) {
	if _, err := models.Open(context.Background(), "mysql://x", models.Options{}); err == nil {
		t.Fatal("want an error")
	}
}
