package models_test

import (
	"context"
	"strings"
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

// A database that cannot be reached is named in the error, its password
// hidden wherever the URL carries it.
func TestOpenErrorHidesThePassword(t *testing.T) {
	for _, url := range []string{
		"postgres://fan:UserPartSecret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
		"postgres://fan@127.0.0.1:1/x?sslmode=disable&password=QuerySecret&connect_timeout=2",
	} {
		_, err := models.Open(context.Background(), url, models.Options{})
		if err == nil {
			t.Fatalf("opened %s", url)
		}
		if strings.Contains(err.Error(), "Secret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("error %q: want the address without the password", err)
		}
	}
}

// SQLite enforces the model's foreign keys, which PostgreSQL's migration
// 00005 dropped for speed: the normalizer's tests, run on SQLite, still fail
// on a dangling id.
func TestSQLiteEnforcesModelForeignKeys(t *testing.T) {
	store := storetest.Open(t, models.DialectSQLite)
	err := store.DB.Exec(`INSERT INTO consent_changes (fan_id, topic, status, provider, source, changed_at)
		VALUES (999, 'marketing', 'opt_in', 'fixr', 'test', CURRENT_TIMESTAMP)`).Error
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("a consent change for a fan that does not exist: err = %v, want a foreign key failure", err)
	}
}
