package handlers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	gosync "sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
)

// Benchmarks of the webhook hot path. Bodies are the documented provider
// payloads kept with the parsers (sync/testdata); every provider is
// configured with a rotated pair of secrets, and requests authenticate with
// the second one so that the whole list is walked.
//
//	go test -run '^$' -bench 'Authenticate|ValidateBody|Ingest' ./handlers

// benchSecrets mirrors a deployment mid-rotation: two values per provider.
func benchSecrets() Secrets {
	return Secrets{
		FIXR:         []string{"fixr-old-token-3f9a1c", "fixr-new-token-b72e44"},
		Tikkl:        []string{"tikkl-old-secret-91d0", "tikkl-new-secret-5c3e"},
		TradableBits: []string{"tb-old-token-a81f", "tb-new-token-07bd"},
		Vibes:        []string{"vibes-old-token-e4c2", "vibes-new-token-6a19"},
	}
}

// benchPayload reads a documented payload, sync/testdata/<provider>/<name>.json.
func benchPayload(b *testing.B, provider, name string) []byte {
	b.Helper()
	body, err := os.ReadFile(filepath.Join("..", "sync", "testdata", provider, name+".json"))
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// compactJSON is body without insignificant whitespace, as providers send it
// on the wire (the testdata files are pretty-printed for reading).
func compactJSON(b *testing.B, body []byte) []byte {
	b.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkAuthenticate measures each provider's authentication of one
// request against the rotation list, the way ingestDelivery calls it.
func BenchmarkAuthenticate(b *testing.B) {
	secrets := benchSecrets()
	fixrBody := compactJSON(b, benchPayload(b, models.ProviderFIXR, "ticket_sold"))
	tikklBody := compactJSON(b, benchPayload(b, models.ProviderTikkl, "transaction"))
	tbBody := compactJSON(b, benchPayload(b, models.ProviderTradableBits, "submit_form"))
	vibesBody := compactJSON(b, benchPayload(b, models.ProviderVibes, "person_added"))

	mac := hmac.New(sha256.New, []byte(secrets.Tikkl[1]))
	mac.Write(tikklBody)
	tikklSig := "sha256=" + hex.EncodeToString(mac.Sum(nil))

	cases := []struct {
		name     string
		provider string
		target   string
		header   string
		value    string
		body     []byte
		wantForm string
	}{
		{"fixr_bearer", models.ProviderFIXR, "/webhooks/fixr", "Authorization", "Bearer " + secrets.FIXR[1], fixrBody, ""},
		{"tikkl_hmac_prefixed_hex", models.ProviderTikkl, "/webhooks/tikkl", "X-Tikkl-Signature", tikklSig, tikklBody, TikklFormPrefixedHex},
		{"tikkl_bare_secret", models.ProviderTikkl, "/webhooks/tikkl", "X-Tikkl-Signature", secrets.Tikkl[1], tikklBody, TikklFormBareSecret},
		{"tradablebits_bearer", models.ProviderTradableBits, "/webhooks/tradablebits", "Authorization", "Bearer " + secrets.TradableBits[1], tbBody, ""},
		{"vibes_query_token", models.ProviderVibes, "/webhooks/vibes?token=" + secrets.Vibes[1], "", "", vibesBody, ""},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			auth, err := lookupProvider(tc.provider, &secrets)
			if err != nil {
				b.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodPost, tc.target, bytes.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/json")
			if tc.header != "" {
				r.Header.Set(tc.header, tc.value)
			}
			if form, err := auth.authenticate(r, tc.body, &secrets); err != nil || form != tc.wantForm {
				b.Fatalf("authenticate: form %q, err %v; want form %q", form, err, tc.wantForm)
			}
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := auth.authenticate(r, tc.body, &secrets); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidateBody measures the JSON-object / UTF-8 / depth check on
// FIXR's ticket_sold, compact (~1.2 KB, as sent) and pretty-printed (as
// documented).
func BenchmarkValidateBody(b *testing.B) {
	pretty := benchPayload(b, models.ProviderFIXR, "ticket_sold")
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"fixr_ticket_sold_compact", compactJSON(b, pretty)},
		{"fixr_ticket_sold_pretty", pretty},
	} {
		b.Run(tc.name, func(b *testing.B) {
			if err := validateJSONObject(tc.body); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := validateJSONObject(tc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchInbox accepts every delivery at once, so the Ingest benchmarks
// measure the HTTP surface, not the database. The handler has already done
// the CPU work the real inbox would (dedup key and checksum).
type benchInbox struct {
	mu   gosync.Mutex
	next int64
}

func (i *benchInbox) Accept(_ context.Context, d *models.Delivery) (int64, bool, error) {
	if d.DedupKey == "" {
		panic("the handler did not prepare the delivery")
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.next++
	return i.next, false, nil
}

// benchIngest posts body to target through e, b.N times, checking each
// answer is a 200. Building the request is inside the loop for both
// benchmarks of the pair, so their difference is what fanhook adds.
func benchIngest(b *testing.B, e *echo.Echo, target, token string, body []byte) {
	b.Helper()
	do := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "FIXR-Webhooks/1.0")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	if rec := do(); rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rec := do(); rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkIngestBareEcho is the baseline of the pair: a bare echo route
// that reads the body and answers 200 with the same JSON shape, no
// middleware. Compare with BenchmarkIngestEndToEnd.
func BenchmarkIngestBareEcho(b *testing.B) {
	body := compactJSON(b, benchPayload(b, models.ProviderFIXR, "ticket_sold"))
	e := echo.New()
	var id int64
	e.POST("/webhooks/:provider", func(c echo.Context) error {
		if _, err := io.ReadAll(c.Request().Body); err != nil {
			return err
		}
		id++
		return c.JSON(http.StatusOK, ingestResponse{Status: "accepted", DeliveryID: id})
	})
	benchIngest(b, e, "/webhooks/fixr", "unused", body)
}

// BenchmarkIngestEndToEnd is POST /webhooks/fixr through the real server
// (handlers.Register: request logger to io.Discard, metrics, recovery, body
// limit, bearer auth over two secrets, JSON validation, header masking, the
// dedup key and checksum) with an inbox that accepts instantly. Compare
// with BenchmarkIngestBareEcho.
func BenchmarkIngestEndToEnd(b *testing.B) {
	body := compactJSON(b, benchPayload(b, models.ProviderFIXR, "ticket_sold"))
	secrets := benchSecrets()
	e := echo.New()
	Register(e, Deps{
		Secrets: secrets,
		Inbox:   &benchInbox{},
		Log:     zerolog.New(io.Discard).Level(zerolog.InfoLevel),
		Metrics: NewMetrics(prometheus.NewRegistry(), nil),
	})
	benchIngest(b, e, "/webhooks/fixr", secrets.FIXR[1], body)
}
