package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// receivedAt is the fixed receipt time every parser test uses.
var receivedAt = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustParse parses testdata/<provider>/<name>.json and fails on error.
func mustParse(t *testing.T, provider, name string) Facts {
	t.Helper()
	f, err := ParseDelivery(provider, mustRead(t, filepath.Join("testdata", provider, name+".json")), receivedAt)
	if err != nil {
		t.Fatalf("%s/%s: %v", provider, name, err)
	}
	if f.Provider != provider {
		t.Errorf("%s/%s: Provider %q", provider, name, f.Provider)
	}
	return f
}

func ptr[T any](v T) *T { return &v }

func utcTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestParseAllTestdata parses every file: valid ones without error, files
// under invalid/ with one, and every result deterministically (so replays
// are idempotent) with in-range person references.
func TestParseAllTestdata(t *testing.T) {
	for _, provider := range []string{ProviderFIXR, ProviderTikkl, ProviderTradableBits, ProviderVibes} {
		good, _ := filepath.Glob(filepath.Join("testdata", provider, "*.json"))
		bad, _ := filepath.Glob(filepath.Join("testdata", provider, "invalid", "*.json"))
		if len(good) == 0 || len(bad) == 0 {
			t.Fatalf("%s: no testdata", provider)
		}
		for _, path := range append(good, bad...) {
			body := mustRead(t, path)
			f1, err := ParseDelivery(provider, body, receivedAt)
			wantErr := strings.Contains(path, "invalid")
			if (err != nil) != wantErr {
				t.Errorf("%s: err = %v, want error %v", path, err, wantErr)
			}
			f2, _ := ParseDelivery(provider, body, receivedAt)
			if !reflect.DeepEqual(f1, f2) {
				t.Errorf("%s: two parses differ", path)
			}
			if err == nil {
				checkRefs(t, path, f1)
			}
		}
	}
}

func checkRefs(t *testing.T, path string, f Facts) {
	t.Helper()
	ok := func(i int) bool { return i >= -1 && i < len(f.People) }
	for _, c := range f.Consents {
		if c.Person < 0 || !ok(c.Person) || c.At.IsZero() {
			t.Errorf("%s: consent %+v", path, c)
		}
	}
	for _, tk := range f.Tickets {
		if !ok(tk.Person) {
			t.Errorf("%s: ticket person %d", path, tk.Person)
		}
	}
	if f.Order != nil && !ok(f.Order.Person) {
		t.Errorf("%s: order person %d", path, f.Order.Person)
	}
	if f.FormEntry != nil && !ok(f.FormEntry.Person) {
		t.Errorf("%s: form entry person %d", path, f.FormEntry.Person)
	}
	if f.FactAt.IsZero() || f.FactAt.Location() != time.UTC {
		t.Errorf("%s: FactAt %v", path, f.FactAt)
	}
	for _, p := range f.People {
		if !p.keyed() {
			t.Errorf("%s: person without a key: %+v", path, p)
		}
	}
}

func TestParseDeliveryUnknownProvider(t *testing.T) {
	if _, err := ParseDelivery("eventbrite", []byte(`{}`), receivedAt); err == nil {
		t.Fatal("want error for unknown provider")
	}
}

func TestParseNotAnObject(t *testing.T) {
	for _, p := range []string{ProviderFIXR, ProviderTikkl, ProviderTradableBits, ProviderVibes} {
		for _, body := range []string{``, `null`, `[]`, `"x"`, `{`, `{"a":1`} {
			if _, err := ParseDelivery(p, []byte(body), receivedAt); err == nil {
				t.Errorf("%s %q: want error", p, body)
			}
		}
	}
}

func TestDeliveryKey(t *testing.T) {
	sha := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	tests := []struct {
		provider, body, wantType, wantKey string
	}{
		{"fixr", `{"event":"event_created","message_id":"8552615258943695"}`, "event_created", "8552615258943695:event_created"},
		{"fixr", `{"event":"ticket_sold","message_id":8552135679096150}`, "ticket_sold", "8552135679096150:ticket_sold"},
		{"fixr", `{"event":"ticket_sold","message_id":""}`, "ticket_sold", sha(`{"event":"ticket_sold","message_id":""}`)},
		{"fixr", `{"event":"ticket_sold","message_id":null}`, "ticket_sold", sha(`{"event":"ticket_sold","message_id":null}`)},
		{"fixr", `{"event":"ticket_sold","message_id":{"x":1}}`, "ticket_sold", sha(`{"event":"ticket_sold","message_id":{"x":1}}`)},
		{"vibes", `{"event_id":"e-1","callback_type":"person_added","event_type":"person_updated"}`, "person_added", "e-1"},
		{"vibes", `{"event_id":42,"event_type":"subscription_added"}`, "subscription_added", "42"},
		{"vibes", `{"callback_type":"person_added"}`, "person_added", sha(`{"callback_type":"person_added"}`)},
		{"tradablebits", `{"activity_id":99887766}`, "activity", "99887766"},
		{"tradablebits", `{"activity_id":" 7 "}`, "activity", "7"},
		{"tikkl", `{"objectType":"ticket","ticketId":"1"}`, "ticket", sha(`{"objectType":"ticket","ticketId":"1"}`)},
		{"tikkl", `not json`, "", sha(`not json`)},
		{"other", `{"event_id":"x"}`, "", sha(`{"event_id":"x"}`)},
		{"vibes", ``, "", sha(``)},
	}
	for _, tt := range tests {
		gotType, gotKey := DeliveryKey(tt.provider, []byte(tt.body))
		if gotType != tt.wantType || gotKey != tt.wantKey {
			t.Errorf("DeliveryKey(%s, %s) = %q, %q; want %q, %q",
				tt.provider, tt.body, gotType, gotKey, tt.wantType, tt.wantKey)
		}
	}
}

// TestDeliveryKeyMatchesParse checks that the event type the inbox records
// at ingest is the one the parser routes on.
func TestDeliveryKeyMatchesParse(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*/*.json")
	for _, path := range paths {
		provider := filepath.Base(filepath.Dir(path))
		body := mustRead(t, path)
		et, key := DeliveryKey(provider, body)
		f, _ := ParseDelivery(provider, body, receivedAt)
		if et != f.EventType || key == "" {
			t.Errorf("%s: DeliveryKey type %q key %q, parsed type %q", path, et, key, f.EventType)
		}
	}
}

// Event names route in any case: a platform that changes its casing must
// not turn every delivery into an ignored one.
func TestParseEventNamesInAnyCase(t *testing.T) {
	for _, c := range []struct{ provider, body, want string }{
		{ProviderFIXR, `{"event":"Customer_Updated","created":"2024-01-01T00:00:00Z","payload":{"email":"a@example.com"}}`, "customer_updated"},
		{ProviderTikkl, `{"objectType":"Transaction","orderId":"1","campaignUrl":"https://tikkl.com/o/c/x","userEmail":"a@example.com"}`, "transaction"},
		{ProviderVibes, `{"callback_type":"Person_Added","event_date":"2017-01-01T00:00Z","Person_Added":{"person":{"person_key":"k"}}}`, "person_added"},
	} {
		f, err := ParseDelivery(c.provider, []byte(c.body), receivedAt)
		if err != nil || f.Ignored || f.EventType != c.want || len(f.People) != 1 {
			t.Errorf("%s: %+v, %v; want %s applied", c.provider, f, err, c.want)
		}
	}
}

// FIXR's four consent values, and one it never documented: kept as said.
func TestParseFIXRConsentValues(t *testing.T) {
	for value, want := range map[string]string{
		"opt_in": "opt_in", "SOFT_OPT_OUT": "soft_opt_out", "Maybe": "maybe", "opt in?": "", "": "",
	} {
		body := fmt.Sprintf(`{"event":"customer_updated","created":"2024-01-01T00:00:00Z",
			"payload":{"email":"a@example.com","contact_preferences_user_response":%q}}`, value)
		f, err := ParseFIXR([]byte(body), receivedAt)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(f.Consents) == 1 {
			got = f.Consents[0].Status
		}
		if got != want || len(f.Consents) > 1 {
			t.Errorf("%q: consents %+v, want %q", value, f.Consents, want)
		}
	}
}
