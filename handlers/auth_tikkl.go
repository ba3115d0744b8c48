package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
)

// Forms of X-Tikkl-Signature, counted in fanhook_tikkl_signature_form_total.
// Tikkl documents "HMAC SHA-256 of the JSON body using your webhook secret"
// and nothing more, and some set-ups send the secret itself, so every
// plausible encoding is accepted and the one seen is counted.
const (
	TikklFormHex            = "hex"
	TikklFormBase64         = "base64"
	TikklFormPrefixedHex    = "prefixed_hex"
	TikklFormPrefixedBase64 = "prefixed_base64"
	TikklFormBareSecret     = "bare_secret"
)

// TikklForms lists every form, for metrics.
var TikklForms = []string{TikklFormHex, TikklFormBase64, TikklFormPrefixedHex, TikklFormPrefixedBase64, TikklFormBareSecret}

var tikklAuth = providerAuth{
	envVar:       "FANHOOK_TIKKL_SECRET",
	secrets:      func(s *Secrets) []string { return s.Tikkl },
	authenticate: authenticateTikkl,
}

// authenticateTikkl verifies X-Tikkl-Signature over the raw body bytes —
// never over re-serialised JSON, which would not be what Tikkl signed.
func authenticateTikkl(r *http.Request, body []byte, s *Secrets) (string, error) {
	sig := strings.TrimSpace(r.Header.Get("X-Tikkl-Signature"))
	if sig == "" {
		return "", errUnauthenticated("missing X-Tikkl-Signature")
	}
	macs := make([][]byte, 0, len(s.Tikkl))
	for _, secret := range s.Tikkl {
		if secret == "" {
			continue
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		macs = append(macs, m.Sum(nil))
	}

	digest, prefixed := sig, false
	if len(sig) > len("sha256=") && strings.EqualFold(sig[:len("sha256=")], "sha256=") {
		digest, prefixed = sig[len("sha256="):], true
	}
	if got, encoding := decodeDigest(digest); got != nil && matchMAC(got, macs) {
		if prefixed {
			return "prefixed_" + encoding, nil
		}
		return encoding, nil
	}
	if matchSecret(sig, s.Tikkl) {
		return TikklFormBareSecret, nil
	}
	return "", errUnauthenticated("invalid X-Tikkl-Signature")
}

// decodeDigest decodes a SHA-256 digest written in hex (either case) or
// base64 (standard or URL alphabet, padded or not). The lengths differ (64
// against 43/44 characters), so at most one reading yields 32 bytes.
func decodeDigest(s string) (digest []byte, encoding string) {
	if len(s) == hex.EncodedLen(sha256.Size) {
		if b, err := hex.DecodeString(s); err == nil {
			return b, TikklFormHex
		}
		return nil, ""
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == sha256.Size {
			return b, TikklFormBase64
		}
	}
	return nil, ""
}
