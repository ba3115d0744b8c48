package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/netip"
)

// DefaultMaxBodyBytes is FANHOOK_MAX_BODY_BYTES's default.
const DefaultMaxBodyBytes = 1 << 20

// Secrets is what the webhook endpoints authenticate with. Each list holds
// every currently valid value, so a secret rotates without downtime; an empty
// list disables that provider.
type Secrets struct {
	FIXR         []string // FANHOOK_FIXR_TOKEN
	Tikkl        []string // FANHOOK_TIKKL_SECRET
	TradableBits []string // FANHOOK_TRADABLEBITS_TOKEN
	Vibes        []string // FANHOOK_VIBES_TOKEN

	// VibesAllowedIPs, when not empty, is the only place Vibes callbacks may
	// come from (FANHOOK_VIBES_ALLOWED_IPS).
	VibesAllowedIPs []netip.Prefix
	// TrustedProxies are the peers whose X-Forwarded-For is believed
	// (FANHOOK_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix

	// MaxBodyBytes caps a webhook body (FANHOOK_MAX_BODY_BYTES); 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

func (s *Secrets) maxBodyBytes() int64 {
	if s.MaxBodyBytes > 0 {
		return s.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

// matchSecret reports whether candidate equals any of secrets, in time that
// depends on neither the candidate's nor the secrets' contents or lengths:
// both sides are hashed to fixed-size digests, and every secret is compared
// even after a match.
func matchSecret(candidate string, secrets []string) bool {
	if candidate == "" {
		return false
	}
	c := sha256.Sum256([]byte(candidate))
	match := 0
	for _, s := range secrets {
		if s == "" {
			continue
		}
		d := sha256.Sum256([]byte(s))
		match |= subtle.ConstantTimeCompare(c[:], d[:])
	}
	return match == 1
}

// matchMAC reports whether mac equals any of wants, compared in constant
// time; all wants are the same fixed size (SHA-256 HMACs).
func matchMAC(mac []byte, wants [][]byte) bool {
	match := 0
	for _, w := range wants {
		match |= subtle.ConstantTimeCompare(mac, w)
	}
	return match == 1
}
