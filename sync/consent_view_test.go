package sync_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

func samConsent(messageID, status, at string) delivery {
	return delivery{"fixr", fmt.Appendf(nil, `{"event":"customer_updated","created":%q,"message_id":%q,
		"payload":{"email":"sam@example.com","user_uuid":"u-sam","contact_preferences_user_response":%q}}`,
		at, messageID, status)}
}

// report_consents says since when the current status holds: providers
// restate a fan's consent at every purchase, and the newest restatement is
// not when the fan opted out. The ledger keeps every statement.
func TestReportConsentsSaysWhenTheStatusBegan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		ingest(t, store,
			samConsent("c-1", "opt_in", "2024-01-01T10:00:00UTC"),
			samConsent("c-3", "opt_out", "2024-03-01T10:00:00UTC"),
			samConsent("c-2", "opt_out", "2024-02-01T10:00:00UTC"),
			samConsent("c-4", "opt_out", "2024-04-01T10:00:00UTC"))
		var rows []struct {
			Status, Provider string
			ChangedAt        time.Time
		}
		if err := store.Read.Raw(`SELECT status, provider, changed_at FROM report_consents
			WHERE email = 'sam@example.com' AND topic = 'marketing'`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		want := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
		if len(rows) != 1 || rows[0].Status != "opt_out" || !rows[0].ChangedAt.Equal(want) || rows[0].Provider != "fixr" {
			t.Fatalf("report_consents %+v, want opt_out since %s", rows, want)
		}
		var marketing string
		var ledger int64
		store.Read.Raw("SELECT marketing_consent FROM report_fans WHERE email = 'sam@example.com'").Scan(&marketing)
		store.Read.Raw("SELECT COUNT(*) FROM consent_changes").Scan(&ledger)
		if marketing != "opt_out" || ledger != 4 {
			t.Errorf("report_fans says %q, the ledger holds %d statements; want opt_out and 4", marketing, ledger)
		}
	})
}
