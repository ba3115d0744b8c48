package handlers_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

func tikklMAC(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

func tikklBody(n int) []byte {
	return []byte(fmt.Sprintf(`{"objectType": "transaction", "orderId": "123-%d",  "userEmail": "a@example.com"}`, n))
}

func TestTikklSignatureForms(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())
		cases := []struct {
			name, form string
			sign       func(body []byte) string
		}{
			{"hex", "hex", func(b []byte) string { return hex.EncodeToString(tikklMAC("tikkl-old-secret", b)) }},
			{"upper hex", "hex", func(b []byte) string { return strings.ToUpper(hex.EncodeToString(tikklMAC("tikkl-new-secret", b))) }},
			{"base64", "base64", func(b []byte) string { return base64.StdEncoding.EncodeToString(tikklMAC("tikkl-new-secret", b)) }},
			{"raw base64", "base64", func(b []byte) string { return base64.RawStdEncoding.EncodeToString(tikklMAC("tikkl-new-secret", b)) }},
			{"url base64", "base64", func(b []byte) string { return base64.URLEncoding.EncodeToString(tikklMAC("tikkl-old-secret", b)) }},
			{"raw url base64", "base64", func(b []byte) string { return base64.RawURLEncoding.EncodeToString(tikklMAC("tikkl-old-secret", b)) }},
			{"prefixed hex", "prefixed_hex", func(b []byte) string { return "sha256=" + hex.EncodeToString(tikklMAC("tikkl-new-secret", b)) }},
			{"prefixed base64", "prefixed_base64", func(b []byte) string {
				return "sha256=" + base64.StdEncoding.EncodeToString(tikklMAC("tikkl-new-secret", b))
			}},
			{"bare secret", "bare_secret", func([]byte) string { return "tikkl-old-secret" }},
		}
		want := map[string]int{}
		for i, c := range cases {
			body := tikklBody(i)
			r := s.post(t, "/webhooks/tikkl", body, map[string]string{"X-Tikkl-Signature": c.sign(body)})
			if r.Status != http.StatusOK {
				t.Errorf("%s: status %d: %s", c.name, r.Status, r.Raw)
			}
			want[c.form]++
		}
		for form, n := range want {
			if got := counterValue(t, s.reg, "fanhook_tikkl_signature_form_total", map[string]string{"form": form}); got != float64(n) {
				t.Errorf("form %s counted %v, want %d", form, got, n)
			}
		}
		// The dedup key of a Tikkl delivery is the body's SHA-256.
		body := tikklBody(0)
		sum := sha256.Sum256(body)
		r := s.post(t, "/webhooks/tikkl", body, map[string]string{"X-Tikkl-Signature": "tikkl-new-secret"})
		id := wantStored(t, r, "duplicate")
		if d := s.delivery(t, id); d.DedupKey != hex.EncodeToString(sum[:]) {
			t.Fatalf("dedup key %q", d.DedupKey)
		}
	})
}

func TestTikklBadSignatures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())
		body := tikklBody(1)
		good := hex.EncodeToString(tikklMAC("tikkl-old-secret", body))

		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		reserialised, _ := json.Marshal(v)
		if string(reserialised) == string(body) {
			t.Fatal("test body must differ from its re-serialisation")
		}
		tampered := []byte(strings.Replace(string(body), "123-1", "123-2", 1))

		cases := []struct {
			name string
			body []byte
			sig  string
		}{
			{"missing", body, ""},
			{"blank", body, "  "},
			{"body changed after signing", tampered, good},
			{"non-hex", body, strings.Repeat("zz", 32)},
			{"wrong signature", body, hex.EncodeToString(tikklMAC("another-secret", body))},
			{"truncated", body, good[:40]},
			{"prefix only", body, "sha256="},
			{"secret with prefix", body, "sha256=tikkl-old-secret"},
			{"signature of re-serialised JSON", body, hex.EncodeToString(tikklMAC("tikkl-old-secret", reserialised))},
		}
		for _, c := range cases {
			headers := map[string]string{}
			if c.name != "missing" {
				headers["X-Tikkl-Signature"] = c.sig
			}
			if r := s.post(t, "/webhooks/tikkl", c.body, headers); r.Status != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401: %s", c.name, r.Status, r.Raw)
			}
		}
		if n := s.deliveryCount(t); n != 0 {
			t.Fatalf("%d deliveries stored, want 0", n)
		}
	})
}

// A body that starts with a UTF-8 byte order mark is stored without it; a
// Tikkl signature over the bytes as sent, mark included, still holds.
func TestBodyWithByteOrderMark(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())
		bom := "\xef\xbb\xbf"
		fixr := fixrBody("m-bom", "customer_updated")
		id := wantStored(t, s.post(t, "/webhooks/fixr", append([]byte(bom), fixr...), bearer("fixr-old-token")), "accepted")
		if d := s.delivery(t, id); string(d.Body) != string(fixr) {
			t.Errorf("stored FIXR body %q, want %q", d.Body, fixr)
		}
		tikkl := append([]byte(bom), tikklBody(99)...)
		r := s.post(t, "/webhooks/tikkl", tikkl, map[string]string{"X-Tikkl-Signature": hex.EncodeToString(tikklMAC("tikkl-new-secret", tikkl))})
		if d := s.delivery(t, wantStored(t, r, "accepted")); string(d.Body) != string(tikklBody(99)) {
			t.Errorf("stored Tikkl body %q", d.Body)
		}
	})
}

// A body a sender's HTTP client compressed after signing it is taken as
// the JSON it was; decoded, it answers to the body limit.
func TestCompressedBodies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		body := tikklBody(7)
		zw.Write(body)
		zw.Close()
		r := s.post(t, "/webhooks/tikkl", gz.Bytes(), map[string]string{
			"Content-Encoding": "gzip", "X-Tikkl-Signature": hex.EncodeToString(tikklMAC("tikkl-new-secret", body))})
		if d := s.delivery(t, wantStored(t, r, "accepted")); string(d.Body) != string(body) {
			t.Errorf("stored %q, want the JSON %q", d.Body, body)
		}

		var zl bytes.Buffer
		zlw := zlib.NewWriter(&zl)
		fixr := fixrBody("m-deflate", "customer_updated")
		zlw.Write(fixr)
		zlw.Close()
		wantStored(t, s.post(t, "/webhooks/fixr", zl.Bytes(), map[string]string{
			"Content-Encoding": "deflate", "Authorization": "Bearer fixr-old-token"}), "accepted")

		// 2 MiB of spaces inside a JSON object compress to a few KiB.
		var bomb bytes.Buffer
		bw := gzip.NewWriter(&bomb)
		bw.Write([]byte(`{"message_id":"bomb","event":"x","pad":"`))
		bw.Write(bytes.Repeat([]byte(" "), 2<<20))
		bw.Write([]byte(`"}`))
		bw.Close()
		wantError(t, s.post(t, "/webhooks/fixr", bomb.Bytes(), map[string]string{
			"Content-Encoding": "gzip", "Authorization": "Bearer fixr-old-token"}), http.StatusRequestEntityTooLarge)
		wantError(t, s.post(t, "/webhooks/fixr", []byte("not gzip"), map[string]string{
			"Content-Encoding": "gzip", "Authorization": "Bearer fixr-old-token"}), http.StatusBadRequest)
	})
}
