package handlers

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	fansync "github.com/fanhook/fanhook/sync"
)

// seedBodies adds the documented payloads, and a few hostile shapes, to a
// fuzz corpus.
func seedBodies(f *testing.F) {
	paths, _ := filepath.Glob("../sync/testdata/*/*.json")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{`{}`, `[]`, `"x"`, `{"a":"\xff"}`, `{"a":[[[[{}]]]]}`, `{"a":"[[[["}`, `{} {}`, `{"a":1`,
		strings.Repeat("[", 100), `{"a":"\"}"}`, `{"":1E700}`, ` null`, `{"a":1} x`} {
		f.Add([]byte(s))
	}
}

// FuzzValidateJSONObject: the hand-written depth scanner and the checks
// around it never panic, and accept exactly the bodies that are one JSON
// object in valid UTF-8 at most maxJSONDepth deep.
func FuzzValidateJSONObject(f *testing.F) {
	seedBodies(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		err := validateJSONObject(body)
		// json.Valid, not decoding: a number too large for a float64
		// (1E700) is still JSON, and the parsers read numbers as text.
		trimmed := bytes.TrimLeft(body, " \t\r\n")
		isObject := utf8.Valid(body) && json.Valid(body) && len(trimmed) > 0 && trimmed[0] == '{'
		if err == nil && !isObject {
			t.Fatalf("accepted a body that is not one JSON object: %q", body)
		}
		if err != nil && isObject && jsonDepth(body) <= maxJSONDepth {
			t.Fatalf("refused a valid object %q: %v", body, err)
		}
	})
}

// FuzzAuthenticateTikkl: any signature header over any body never panics,
// and only the right HMAC (or the bare secret) passes.
func FuzzAuthenticateTikkl(f *testing.F) {
	seedBodies(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s := &Secrets{Tikkl: []string{"old-secret", "new-secret"}}
		if strings.Contains(string(body), "-secret") {
			return // the bare secret is a documented form
		}
		for _, sig := range []string{"", "sha256=", string(body), "sha256=" + string(body)} {
			r := httptest.NewRequest("POST", "/webhooks/tikkl", nil)
			r.Header.Set("X-Tikkl-Signature", sig)
			if _, err := authenticateTikkl(r, body, s); err == nil {
				t.Fatalf("signature %q accepted for body %q", sig, body)
			}
		}
	})
}

// FuzzScanJSON holds sync.ScanJSON to json.Valid and jsonDepth on any input:
// ok exactly for valid JSON at most maxJSONDepth deep, tooDeep only past it.
func FuzzScanJSON(f *testing.F) {
	seedBodies(f)
	for _, s := range []string{`1`, `-0.5e+3`, `01`, `1.`, `.5`, `-`, `1e`, `"\u00e9"`, `"\u00g9"`, `"\x"`, `"\/"`,
		"\"a\x01\"", `"\u123"`, `"\u123x"`, `[1}`, `{"a":1]`, `[1,]`, `[,1]`, `{"a":1,}`, `{"a" 1}`, `{1:1}`, `tru`, `nulll`, `[]]`, `[}`, `{]`,
		strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth),
		strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
		strings.Repeat(`{"a":`, maxJSONDepth) + "1" + strings.Repeat("}", maxJSONDepth)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ok, tooDeep := fansync.ScanJSON(body)
		deep := jsonDepth(body) > maxJSONDepth
		if want := json.Valid(body) && !deep; ok != want {
			t.Fatalf("ScanJSON(%q) ok = %v, json.Valid and jsonDepth say %v", body, ok, want)
		}
		if tooDeep && !deep {
			t.Fatalf("ScanJSON(%q) called it too deep at depth %d", body, jsonDepth(body))
		}
	})
}
