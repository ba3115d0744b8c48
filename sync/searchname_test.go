package sync_test

import (
	"context"
	"testing"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

func TestSearchName(t *testing.T) {
	for in, want := range map[string]string{
		"Chloé O’Brien": "chloe obrien", "  ZOË   Ädler ": "zoe adler", "O'Neill": "oneill",
		"Łukasz Żółć": "łukasz zołc", "Ana-María": "ana-maria", "": "", " Mohammed  GRANGER ": "mohammed granger",
	} {
		if got := sync.SearchName(in); got != want {
			t.Errorf("SearchName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Both ways of applying a delivery, in bulk and row by row, store the
// folded names the admin's search looks for.
func TestNormalizerFoldsSearchNames(t *testing.T) {
	body := []byte(`{"event":"customer_updated","created":"2025-01-02T10:00:00UTC","message_id":"fold-1",
		"payload":{"email":"chloe@example.com","first_name":"Chloé","last_name":"O'Brien","user_uuid":"u-chloe"}}`)
	for _, careful := range []bool{false, true} {
		store := storetest.Open(t, models.DialectSQLite)
		accept(t, store, delivery{"fixr", body})
		w := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})
		if careful {
			sync.AlwaysCareful(w)
		}
		if _, err := w.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		var name, rev string
		row := store.Read.Raw("SELECT search_name, search_name_rev FROM fans WHERE email = 'chloe@example.com'").Row()
		if err := row.Scan(&name, &rev); err != nil {
			t.Fatal(err)
		}
		if name != "chloe obrien" || rev != "obrien chloe" {
			t.Errorf("careful=%v: search names %q / %q, want folded", careful, name, rev)
		}
	}
}

func BenchmarkSearchNames(b *testing.B) {
	for _, name := range [][2]string{{"Mohammed", "Granger"}, {"Chloé", "O'Brien"}} {
		b.Run(name[0], func(b *testing.B) {
			for b.Loop() {
				sync.SearchNames(name[0], name[1])
			}
		})
	}
}
