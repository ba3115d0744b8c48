package sync_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/sync"
)

// The reporting views, in the order dumps show them, with the columns that
// identify a row independently of database-assigned ids.
var reportViews = []struct {
	name    string
	orderBy string
}{
	{"report_fans", "email, phone, first_name, fan_id"},
	{"report_tickets", "provider, ticket_reference"},
	{"report_event_sales", "provider, external_event_id, currency"},
	{"report_consents", "email, topic, fan_id"},
	{"report_form_entries", "provider, activity_id"},
	{"report_deliveries", "delivery_id"},
}

// dumpViews renders every view as text, one line a row, with times in RFC
// 3339 so that SQLite's and PostgreSQL's answers compare equal.
func dumpViews(t testing.TB, store *models.Store, withIDs bool) string {
	t.Helper()
	var out strings.Builder
	for _, v := range reportViews {
		fmt.Fprintf(&out, "== %s\n", v.name)
		rows, err := store.Read.Raw("SELECT * FROM " + v.name + " ORDER BY " + v.orderBy).Rows()
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals, err := models.ScanValues(rows, len(cols))
			if err != nil {
				t.Fatal(err)
			}
			var cells []string
			for i, c := range cols {
				if !withIDs && (strings.HasSuffix(c, "_id") && c != "external_event_id" && c != "activity_id") {
					continue
				}
				if c == "processed_at" {
					continue // when the worker ran, not what the delivery said
				}
				cells = append(cells, c+"="+cell(vals[i]))
			}
			lines = append(lines, strings.Join(cells, " | "))
		}
		rows.Close()
		if !withIDs {
			sort.Strings(lines)
		}
		for _, l := range lines {
			out.WriteString(l + "\n")
		}
	}
	return out.String()
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return cell(string(x))
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999Z07:00"} {
			if tm, err := time.Parse(layout, x); err == nil {
				return tm.UTC().Format(time.RFC3339Nano)
			}
		}
		return fmt.Sprintf("%q", x)
	default:
		return fmt.Sprint(x)
	}
}

// delivery is one test delivery: a provider and a body.
type delivery struct {
	provider string
	body     []byte
}

func readCase(t testing.TB, path string) delivery {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return delivery{provider: filepath.Base(filepath.Dir(path)), body: body}
}

// receivedAt is the fixed clock of the tests: deliveries are received one
// second apart in the order given, unless a test fixes otherwise.
var receivedAt = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// ingest stores the deliveries through the inbox and normalizes them.
func ingest(t testing.TB, store *models.Store, ds ...delivery) {
	t.Helper()
	ctx := context.Background()
	inbox := sync.NewInbox(store, zerolog.Nop(), sync.InboxOptions{})
	inbox.Start()
	defer inbox.Close()
	for _, d := range ds {
		md := &models.Delivery{Provider: d.provider, Body: d.body, ReceivedAt: receivedAt}
		if _, _, err := inbox.Accept(ctx, md); err != nil {
			t.Fatalf("accept: %v", err)
		}
	}
	drain(t, store)
}

func drain(t testing.TB, store *models.Store) {
	t.Helper()
	w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{Now: func() time.Time { return receivedAt }})
	if _, err := w.Drain(context.Background()); err != nil {
		t.Fatalf("drain: %v", err)
	}
}

func replayAll(t testing.TB, store *models.Store) {
	t.Helper()
	w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{Now: func() time.Time { return receivedAt }})
	if _, err := w.Replay(context.Background(), sync.ReplayFilter{Status: "all"}); err != nil {
		t.Fatalf("replay: %v", err)
	}
}
