package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBodiesCarryDedupKeys checks every generated body is one JSON object with the fields
// fanhook's dedup keys need, unique per delivery, and that Tikkl signatures verify.
func TestBodiesCarryDedupKeys(t *testing.T) {
	const secret = "tikkl-test-secret"
	p := newPool(42, 200, 3)
	g := newGenerator(p, 42, 0, [nProviders]int{1, 1, 1, 1}, secret)
	seen := map[string]bool{}
	unique := func(kind, key string) {
		t.Helper()
		if key == "" || seen[kind+"|"+key] {
			t.Fatalf("%s: dedup key %q empty or repeated", kind, key)
		}
		seen[kind+"|"+key] = true
	}
	sold := map[string]bool{}
	kinds := map[string]int{}
	soldBytes, soldN := 0, 0
	for range 4000 {
		r := g.next()
		kinds[r.kind]++
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatalf("%s %s: invalid JSON: %v\n%s", providerNames[r.provider], r.kind, err, r.body)
		}
		switch r.provider {
		case provFixr:
			ev, _ := m["event"].(string)
			id, _ := m["message_id"].(string)
			if ev != r.kind {
				t.Fatalf("fixr event %q, want %q", ev, r.kind)
			}
			unique("fixr", ev+"/"+id)
			pl := m["payload"].(map[string]any)
			switch ev {
			case "ticket_sold":
				soldBytes += len(r.body)
				soldN++
				checkSold(t, pl)
				sold[pl["ticket_reference"].(string)] = true
			case "ticket_scanned":
				if !sold[pl["ticket_reference"].(string)] {
					t.Fatalf("scan of a ticket never sold: %v", pl["ticket_reference"])
				}
			case "customer_updated":
				if pl["user_uuid"] == "" || pl["email"] == "" {
					t.Fatalf("customer_updated without identity: %s", r.body)
				}
			}
		case provTikkl:
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write(r.body)
			if r.sig != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
				t.Fatalf("tikkl signature %q does not verify", r.sig)
			}
			if m["objectType"] != r.kind || m["orderId"] == "" {
				t.Fatalf("tikkl body: %s", r.body)
			}
			unique("tikkl", string(r.body)) // raw body hash is Tikkl's dedup key
		case provTradableBits:
			id, ok := m["activity_id"].(float64)
			if !ok || m["fan_id"] == nil {
				t.Fatalf("tradablebits without activity_id/fan_id: %s", r.body)
			}
			unique("tb", strconv.FormatFloat(id, 'f', 0, 64))
			form, err := url.ParseQuery(m["entry_form"].(string))
			if err != nil || !strings.Contains(form.Get("email"), "@") {
				t.Fatalf("entry_form %q: %v", m["entry_form"], err)
			}
		case provVibes:
			id, _ := m["event_id"].(string)
			unique("vibes", id)
			if m["callback_type"] != r.kind || m["event_type"] != r.kind {
				t.Fatalf("vibes callback_type: %s", r.body)
			}
			if _, err := time.Parse("2006-01-02T15:04Z", m["event_date"].(string)); err != nil {
				t.Fatalf("vibes event_date: %v", err)
			}
			if !strings.Contains(string(r.body), `"mdn":"`) || !strings.Contains(string(r.body), `"person_key":"`) {
				t.Fatalf("vibes body without mobile_phone.mdn / person_key: %s", r.body)
			}
		}
	}
	for _, k := range []string{"ticket_sold", "ticket_scanned", "customer_updated", "transaction",
		"ticket", "activity", "person_updated", "subscription_added", "ack_participant_added"} {
		if kinds[k] == 0 {
			t.Errorf("no %s generated in 4000 requests", k)
		}
	}
	if avg := soldBytes / soldN; avg < 900 || avg > 1800 {
		t.Errorf("ticket_sold averages %d bytes, want about 1.2 KB like the documented example", avg)
	}
}

func checkSold(t *testing.T, pl map[string]any) {
	t.Helper()
	for _, k := range []string{"price", "booking_fee"} {
		money := pl[k].(map[string]any)
		if _, ok := money["amount"].(string); !ok || (money["currency"] != "GBP" && money["currency"] != "EUR") {
			t.Fatalf("%s %v: want a string amount in GBP/EUR", k, money)
		}
	}
	if pl["order_reference"] == "" || len(pl["ticket_reference"].(string)) != 22 {
		t.Fatalf("references: %v", pl)
	}
	holders := pl["ticket_holders"].([]any)
	if len(holders) < 1 || len(holders) > 3 {
		t.Fatalf("%d ticket holders", len(holders))
	}
	for _, h := range holders {
		h := h.(map[string]any)
		for _, k := range []string{"email", "mobile_number", "user_uuid", "contact_preferences_user_response"} {
			if s, _ := h[k].(string); s == "" {
				t.Fatalf("ticket holder without %s: %v", k, h)
			}
		}
	}
}

func TestParseMix(t *testing.T) {
	w, err := parseMix("fixr=70,tikkl=10,tradablebits=10,vibes=10", "fixr,vibes", false)
	if err != nil || w != [nProviders]int{70, 0, 0, 10} {
		t.Fatalf("got %v, %v", w, err)
	}
	for _, bad := range [][2]string{{"fixr=x", "fixr"}, {"eventbrite=1", "fixr"}, {"fixr=1", "nope"}, {"fixr=0", "fixr"}} {
		if _, err := parseMix(bad[0], bad[1], true); err == nil {
			t.Errorf("parseMix(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for us := 1; us <= 10000; us++ {
		h.record(time.Duration(us) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want uint64
	}{{0.5, 5000}, {0.99, 9900}, {0.999, 9990}, {1, 10000}} {
		got := h.quantile(c.q)
		if diff := float64(got) - float64(c.want); diff > float64(c.want)/100 || -diff > float64(c.want)/100 {
			t.Errorf("q%v = %d µs, want %d ±1%%", c.q, got, c.want)
		}
	}
	if h.quantile(0.001) != 10 || h.maxUS != 10000 {
		t.Errorf("small values must be exact: q0.001 = %d, max %d", h.quantile(0.001), h.maxUS)
	}
}
