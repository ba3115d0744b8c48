// Package sync turns stored provider deliveries into fanhook's unified model:
// one parser per provider (payload -> Facts), identity resolution, the
// out-of-order rules, the inbox and the worker that applies Facts.
package sync

import "time"

// Facts is everything one delivery says, parsed and normalized but not yet
// applied to the database. Parsers are pure functions of the raw body and the
// receipt time, so they can be tested, golden-filed and fuzzed without a
// database; the applier is the only code that writes the unified model.
type Facts struct {
	Provider  string
	EventType string
	// FactAt is when the provider says the delivery's facts happened (FIXR
	// envelope `created`, Vibes `event_date`, Tikkl `orderTimeUtc`), or the
	// receipt time. An older fact never overwrites a newer one.
	FactAt time.Time
	// Ignored is set for event types fanhook does not map.
	Ignored bool

	// People holds every person the delivery names; other facts refer to
	// them by index (-1: nobody).
	People    []Person
	Event     *EventFact
	Order     *OrderFact
	Tickets   []TicketFact
	Scans     []ScanFact
	Consents  []ConsentFact
	FormEntry *FormEntryFact
	VibesList *VibesListFact
}

// Identity kinds: a provider's own id for a person. Email and phone are not
// identities of this kind; they live on Person.
const (
	IdentityFIXRUser        = "fixr_user"
	IdentityTradableBitsFan = "tradablebits_fan"
	IdentityVibesPersonKey  = "vibes_person_key"
	IdentityVibesPersonID   = "vibes_person_id"
	IdentityVibesExternalID = "vibes_external_person_id"
)

// Identity is one provider-issued id for a person.
type Identity struct {
	Kind  string
	Value string
}

// Person is one fan as a single delivery describes them. Empty strings mean
// "not given" and never erase what is known.
type Person struct {
	IDs         []Identity
	Email       string // trimmed, lower-cased, NFC
	Phone       string // E.164, e.g. +447700900123
	FirstName   string
	LastName    string
	FullName    string
	DateOfBirth string // YYYY-MM-DD
	Gender      string
	Postcode    string
	Country     string
	Language    string
}

// EventFact describes an event (a FIXR event, a Tikkl campaign).
type EventFact struct {
	ExternalID string
	AccountID  string
	Name       string
	Status     string // FIXR: Draft, Live, Ended; empty when the delivery does not say
	Capacity   *int64
	Category   string
	URL        string
	VenueName  string
	City       string
	Country    string
	Timezone   string
	OpensAt    *time.Time
	ClosesAt   *time.Time
	// Stub is true when the event is only mentioned (by a ticket or scan):
	// the applier then creates it if missing and never updates it, so that
	// thousands of tickets do not serialize on one event row.
	Stub bool
}

// OrderFact is one order (FIXR order_reference, Tikkl orderId).
type OrderFact struct {
	ExternalID      string
	EventExternalID string
	Person          int
	SoldAt          *time.Time
	PromoCode       string
	TicketCount     *int64
	URL             string
}

// TicketFact is one ticket line. Sale fields are nil on a line known only
// from a scan.
type TicketFact struct {
	ExternalID      string
	EventExternalID string
	OrderExternalID string
	Person          int
	TicketType      string
	TicketTypeID    string
	Quantity        *int64
	UnitPriceMinor  *int64 // per ticket, minor units of Currency
	BookingFeeMinor *int64 // per ticket
	Currency        string // ISO 4217, upper case
	SoldAt          *time.Time
}

// ScanFact is one admission.
type ScanFact struct {
	TicketExternalID string
	ScannedAt        time.Time
	PeopleIn         int64
	EntryStatus      string
}

// Consent topics and statuses (CONTRACT, report_consents).
const (
	TopicMarketing           = "marketing"
	TopicVibesListPrefix     = "vibes_list:"
	TopicVibesCampaignPrefix = "vibes_campaign:"
	ConsentSubscribed        = "subscribed"
	ConsentUnsubscribed      = "unsubscribed"
	ConsentCampaignPending   = "pending"
	ConsentCampaignConfirmed = "confirmed"
	ConsentCampaignRejected  = "rejected"
	ConsentMarketingOptIn    = "opt_in"
	ConsentMarketingOptOut   = "opt_out"
	ConsentMarketingSoftIn   = "soft_opt_in"
	ConsentMarketingSoftOut  = "soft_opt_out"
)

// isStatusWord accepts a consent status a provider did not document (a
// Vibes participant EXPIRED, a FIXR preference it added later) as long as
// it reads as one: the ledger keeps what the provider said, and only a
// value that cannot be a status is refused.
func isStatusWord(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}

// ConsentFact is one observed consent state for a person and topic.
type ConsentFact struct {
	Person int
	Topic  string
	Status string
	At     time.Time
	// Detail keeps what explains the change (opt_out_reason, keyword...).
	Detail map[string]string
}

// FormEntryFact is one Tradable Bits form submission.
type FormEntryFact struct {
	ActivityID string
	Person     int
	// Fields is every decoded entry_form field plus extra campaign fields,
	// exactly as received (values joined with "," when repeated; a form
	// field named like a campaign field as "entry_form.<name>").
	Fields     map[string]string
	DurationMs *int64
}

// VibesListFact is a Vibes subscription list's metadata.
type VibesListFact struct {
	ListID string
	Name   string
	URL    string
}
