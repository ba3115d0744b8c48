package handlers_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())
		big := append([]byte(`{"activity_id":"big","pad":"`), bytes.Repeat([]byte("x"), 2<<20)...)
		big = append(big, `"}`...)

		t.Run("content-length", func(t *testing.T) {
			wantError(t, s.post(t, "/webhooks/tradablebits?token=tb-old-token", big, nil), http.StatusRequestEntityTooLarge)
		})
		t.Run("chunked", func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				_, err := pw.Write(big)
				pw.CloseWithError(err)
			}()
			defer pr.Close()
			req, err := http.NewRequest(http.MethodPost, s.URL+"/webhooks/tradablebits?token=tb-old-token", pr)
			if err != nil {
				t.Fatal(err)
			}
			if req.ContentLength != 0 && req.ContentLength != -1 {
				t.Fatalf("request has a Content-Length %d", req.ContentLength)
			}
			wantError(t, do(t, req), http.StatusRequestEntityTooLarge)
		})
		// The limit is the limit for a signed body too, before any hashing.
		t.Run("tikkl", func(t *testing.T) {
			wantError(t, s.post(t, "/webhooks/tikkl", big, map[string]string{"X-Tikkl-Signature": "tikkl-old-secret"}),
				http.StatusRequestEntityTooLarge)
		})
		if n := s.deliveryCount(t); n != 0 {
			t.Fatalf("%d deliveries stored, want 0", n)
		}
		// Just under the limit is fine.
		ok := append([]byte(`{"activity_id":"fits","pad":"`), bytes.Repeat([]byte("x"), 1<<20-100)...)
		ok = append(ok, `"}`...)
		wantStored(t, s.post(t, "/webhooks/tradablebits?token=tb-old-token", ok, nil), "accepted")
	})
}

func TestBodyNotOneJSONObject(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		s := newTestServer(t, store, testSecrets())
		cases := map[string][]byte{
			"empty":            {},
			"array":            []byte(`[{"activity_id":"1"}]`),
			"string":           []byte(`"hello"`),
			"number":           []byte(`42`),
			"null":             []byte(`null`),
			"invalid UTF-8":    []byte("{\"name\":\"caf\xe9\"}"),
			"trailing garbage": []byte(`{"activity_id":"1"} x`),
			"two objects":      []byte(`{"a":1}{"b":2}`),
			"truncated":        []byte(`{"activity_id":"1"`),
			"depth 10000":      []byte(`{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`),
			"depth 65":         []byte(strings.Repeat(`{"a":`, 65) + `1` + strings.Repeat(`}`, 65)),
		}
		for name, body := range cases {
			if r := s.post(t, "/webhooks/tradablebits?token=tb-old-token", body, nil); r.Status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %s", name, r.Status, r.Raw)
			}
		}
		// Unauthenticated callers learn nothing about their body.
		wantError(t, s.post(t, "/webhooks/tradablebits?token=nope", []byte(`[1]`), nil), http.StatusUnauthorized)
		if n := s.deliveryCount(t); n != 0 {
			t.Fatalf("%d deliveries stored, want 0", n)
		}

		// Depth 64, brackets inside strings, and escaped quotes are fine.
		deep := []byte(strings.Repeat(`{"a":`, 64) + `"[[[[\"{{{{"` + strings.Repeat(`}`, 64))
		wantStored(t, s.post(t, "/webhooks/tradablebits?token=tb-old-token", deep, nil), "accepted")
		spaced := []byte(" \n\t{\"activity_id\": \"sp\", \"name\": \"Zoë\"}\n")
		id := wantStored(t, s.post(t, "/webhooks/tradablebits?token=tb-old-token", spaced, nil), "accepted")
		if got := s.delivery(t, id).Body; !bytes.Equal(got, spaced) {
			t.Fatalf("stored body %q, want the exact bytes %q", got, spaced)
		}
	})
}
