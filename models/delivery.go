package models

import "time"

// Delivery statuses. A delivery is pending until the worker has applied it;
// failed keeps its error and can be replayed; ignored is an event type
// fanhook does not map (kept, never dropped).
const (
	StatusPending   = "pending"
	StatusProcessed = "processed"
	StatusFailed    = "failed"
	StatusIgnored   = "ignored"
)

// Providers fanhook receives webhooks from.
const (
	ProviderFIXR         = "fixr"
	ProviderTikkl        = "tikkl"
	ProviderTradableBits = "tradablebits"
	ProviderVibes        = "vibes"
)

// Providers lists every provider, in the order pages and metrics show them.
var Providers = []string{ProviderFIXR, ProviderTikkl, ProviderTradableBits, ProviderVibes}

// Delivery is one authenticated webhook delivery exactly as received.
type Delivery struct {
	ID          int64 `gorm:"primaryKey"`
	Provider    string
	DedupKey    string
	EventType   string
	Headers     string // JSON object of selected headers, secrets masked
	Body        []byte // the raw bytes; nil once purged
	BodySHA256  string `gorm:"column:body_sha256"`
	Status      string
	Error       string
	Attempts    int
	ReceivedAt  time.Time
	ProcessedAt *time.Time
	PurgedAt    *time.Time
}
