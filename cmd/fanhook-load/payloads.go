package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	provFixr = iota
	provTikkl
	provTradableBits
	provVibes
	nProviders
)

var providerNames = [nProviders]string{"fixr", "tikkl", "tradablebits", "vibes"}

// request is one generated delivery; authentication other than Tikkl's body signature is
// added when sending, since it depends only on the configured tokens.
type request struct {
	provider int
	kind     string
	body     []byte
	sig      string // X-Tikkl-Signature value
}

type soldTicket struct {
	ev, tt, qty int
	ref         string
	holders     []int
}

type tikklOrder struct {
	id                       string
	ev, buyer, count, issued int
	at                       time.Time
}

// generator belongs to one worker, so it needs no locks; only the id sequence is shared.
type generator struct {
	p      *pool
	rng    *rand.Rand
	cum    [nProviders]int // cumulative mix weights
	secret []byte
	sold   []soldTicket // this worker's recent sales, which later get scanned
	soldAt int
	order  tikklOrder
}

func newGenerator(p *pool, seed uint64, worker int, weights [nProviders]int, tikklSecret string) *generator {
	g := &generator{p: p, rng: rand.New(rand.NewPCG(seed, uint64(worker)+1)),
		secret: []byte(tikklSecret)}
	sum := 0
	for i, w := range weights {
		sum += w
		g.cum[i] = sum
	}
	return g
}

func (g *generator) next() request {
	n := g.rng.IntN(g.cum[nProviders-1])
	switch {
	case n < g.cum[provFixr]:
		return g.fixr()
	case n < g.cum[provTikkl]:
		return g.tikkl()
	case n < g.cum[provTradableBits]:
		return g.tradableBits()
	default:
		return g.vibes()
	}
}

func (g *generator) fan() *fan { return &g.p.fans[g.rng.IntN(len(g.p.fans))] }

func (g *generator) numericID() uint64 { return g.p.idBase + g.p.nextSeq() }

// FIXR documents times as 2023-09-20T10:57:14UTC in its examples.
func fixrTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") + "UTC" }

// The templates mirror the documented examples field for field. Every %q argument is a
// generated printable string, for which Go quoting and JSON quoting agree.
const fixrSold = `{"event":"ticket_sold","payload":{"booking_fee":{"amount":%q,"currency":%q},` +
	`"event_id":%q,"event_name":%q,"event_url":%q,"order_reference":%q,` +
	`"price":{"amount":%q,"currency":%q},"promo_code":%s,"reserved_at":%q,"sold_at":%q,` +
	`"ticket_holders":[%s],"ticket_reference":%q,"ticket_type":%q,"ticket_type_category":null,` +
	`"ticket_type_id":%q,"timeslot":null,"quantity":%d,"location":%s},` +
	`"created":%q,"message_id":"%d","fixr_account_id":"930327450"}`

const fixrScanned = `{"event":"ticket_scanned","payload":{"entry_status":"Confirmed",` +
	`"event_id":%q,"event_name":%q,"event_url":%q,"people_in":%d,"ticket_holders":[%s],` +
	`"ticket_reference":%q,"ticket_type":%q,"ticket_type_id":%q,"ticket_type_category":null,` +
	`"time_in":%q,"timeslot":null,"location":%s},` +
	`"created":%q,"message_id":"%d","fixr_account_id":"930327450"}`

func (g *generator) fixr() request {
	now := time.Now()
	switch r := g.rng.IntN(100); {
	case r < 10 && len(g.sold) > 0:
		t := g.sold[g.rng.IntN(len(g.sold))]
		e, tt := &g.p.events[t.ev], g.p.events[t.ev].types[t.tt]
		body := fmt.Appendf(nil, fixrScanned, e.fixrID, e.name, e.url, 1+g.rng.IntN(t.qty),
			g.holders(t.holders), t.ref, tt.name, tt.id, fixrTime(now), e.location,
			fixrTime(now), g.numericID())
		return request{provFixr, "ticket_scanned", body, ""}
	case r < 15:
		f := g.fan()
		// A fan changing their contact preference is the point of this message.
		body := marshal(map[string]any{
			"event": "customer_updated", "created": fixrTime(now),
			"message_id": strconv.FormatUint(g.numericID(), 10), "fixr_account_id": "930327450",
			"payload": map[string]any{"date_of_birth": f.dob, "email": f.email,
				"first_name": f.first, "last_name": f.last, "gender": nil,
				"gender_self_describe": nil, "mobile_number": f.mobile,
				"preferred_language": "en", "user_uuid": f.uuid,
				"contact_preferences_user_response": prefs[g.rng.IntN(len(prefs))]},
		})
		return request{provFixr, "customer_updated", body, ""}
	}
	t := soldTicket{ev: g.rng.IntN(len(g.p.events)), tt: g.rng.IntN(3), qty: 1 + g.rng.IntN(4),
		ref: g.base62(22)}
	for range 1 + g.rng.IntN(min(t.qty, 3)) {
		t.holders = append(t.holders, g.rng.IntN(len(g.p.fans)))
	}
	e, tt := &g.p.events[t.ev], g.p.events[t.ev].types[t.tt]
	promo := "null"
	if g.rng.IntN(5) == 0 {
		promo = `"EARLYBIRD"`
	}
	seq := g.p.nextSeq()
	// Multiplying by an odd constant is a bijection on uint32: unique, random-looking refs.
	orderRef := fmt.Sprintf("%08x", uint32(seq)*2654435761^uint32(g.p.idBase))
	body := fmt.Appendf(nil, fixrSold, tt.fee, e.venue.currency, e.fixrID, e.name, e.url,
		orderRef, tt.price, e.venue.currency, promo,
		fixrTime(now.Add(-time.Duration(5+g.rng.IntN(60))*time.Second)),
		fixrTime(now.Add(-time.Second)), g.holders(t.holders), t.ref, tt.name, tt.id, t.qty,
		e.location, fixrTime(now), g.p.idBase+seq)
	if len(g.sold) < 256 {
		g.sold = append(g.sold, t)
	} else {
		g.sold[g.soldAt] = t
		g.soldAt = (g.soldAt + 1) % len(g.sold)
	}
	return request{provFixr, "ticket_sold", body, ""}
}

func (g *generator) holders(idx []int) []byte {
	var b []byte
	for i, f := range idx {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, g.p.fans[f].holder...)
	}
	return b
}

type tikklBody struct {
	ObjectType      string `json:"objectType"`
	TicketID        string `json:"ticketId,omitempty"`
	OrderID         string `json:"orderId"`
	OrgName         string `json:"orgName"`
	OrgSubdomain    string `json:"orgSubdomain"`
	CampaignName    string `json:"campaignName"`
	CampaignURL     string `json:"campaignUrl"`
	OrderURL        string `json:"orderUrl"`
	EventName       string `json:"eventName,omitempty"`
	OrderTimeUtc    string `json:"orderTimeUtc"`
	TicketCount     int    `json:"ticketCount,omitempty"`
	UserName        string `json:"userName,omitempty"`
	UserEmail       string `json:"userEmail,omitempty"`
	UserPhone       string `json:"userPhone,omitempty"`
	RegistrantName  string `json:"registrantName,omitempty"`
	RegistrantEmail string `json:"registrantEmail,omitempty"`
}

// tikkl sends, like Tikkl does, a transaction and then one ticket message per ticket of
// that order; each body is unique (orderId or ticketId), since its hash is the dedup key.
func (g *generator) tikkl() request {
	o := &g.order
	kind := "ticket"
	if o.issued >= o.count {
		n := g.numericID()
		*o = tikklOrder{id: fmt.Sprintf("%03d-%08d-%07d", n/1e15%1000, n/1e7%1e8, n%1e7),
			ev: g.rng.IntN(len(g.p.events)), buyer: g.rng.IntN(len(g.p.fans)),
			count: 1 + g.rng.IntN(4), at: time.Now().UTC()}
		kind = "transaction"
	}
	e, buyer := &g.p.events[o.ev], &g.p.fans[o.buyer]
	b := tikklBody{ObjectType: kind, OrderID: o.id, OrgName: "Awesome Org",
		OrgSubdomain: "awesomeorg", CampaignName: e.name,
		CampaignURL:  "https://tikkl.com/awesomeorg/c/" + e.slug,
		OrderURL:     "https://tikkl.com/awesomeorg/admin/c/" + e.slug + "/participation/" + o.id,
		OrderTimeUtc: o.at.Format(time.RFC3339)}
	if kind == "transaction" {
		b.TicketCount, b.UserEmail, b.UserPhone = o.count, buyer.email, buyer.mobile
		b.UserName = buyer.first + " " + buyer.last
	} else {
		o.issued++
		reg := buyer
		if g.rng.IntN(3) == 0 { // friends in the same order
			reg = g.fan()
		}
		b.TicketID = fmt.Sprintf("%s-%03d", o.id, o.issued)
		b.EventName, b.RegistrantEmail = e.name, reg.email
		b.RegistrantName = reg.first + " " + reg.last
	}
	body := marshal(b)
	mac := hmac.New(sha256.New, g.secret)
	mac.Write(body)
	return request{provTikkl, kind, body, "sha256=" + hex.EncodeToString(mac.Sum(nil))}
}

// Tradable Bits campaigns choose their own form keys; three styles cover the common names.
func (g *generator) tradableBits() request {
	f, e := g.fan(), &g.p.events[g.rng.IntN(len(g.p.events))]
	form := url.Values{}
	yes := g.rng.IntN(2) == 0
	switch e.formStyle {
	case 0:
		form.Set("email", f.email)
		form.Set("first_name", f.first)
		form.Set("last_name", f.last)
		form.Set("phone", f.mobile)
		form.Set("postal_code", postcodes[g.rng.IntN(len(postcodes))])
		form.Set("opt_in", map[bool]string{true: "1", false: "0"}[yes])
		form.Set("favourite_song", "Track "+strconv.Itoa(1+g.rng.IntN(12)))
	case 1:
		form.Set("email", f.email)
		form.Set("firstname", f.first)
		form.Set("lastname", f.last)
		form.Set("mobile", f.mobile)
		form.Set("zip", postcodes[g.rng.IntN(len(postcodes))])
		form.Set("newsletter", map[bool]string{true: "yes", false: "no"}[yes])
		form.Set("birthday", f.dob)
	default:
		form.Set("name", f.first+" "+f.last)
		form.Set("email", f.email)
		form.Set("dob", f.dob)
		form.Set("country", e.venue.country)
		form.Set("optin", map[bool]string{true: "true", false: "false"}[yes])
		form.Set("answer", []string{"A", "B", "C"}[g.rng.IntN(3)])
	}
	m := map[string]any{"activity_id": int64(g.p.idBase/1000 + g.p.nextSeq()),
		"fan_id": f.tbFanID, "entry_form": form.Encode(), "campaign_id": e.tbCampaign,
		"campaign_name": e.name + " Competition", "activity_type": "contest",
		"source": []string{"web", "facebook", "instagram"}[g.rng.IntN(3)]}
	switch r := g.rng.IntN(20); { // "may be blank or missing"
	case r < 12:
		m["activity_duration_ms"] = 3000 + g.rng.IntN(120000)
	case r < 17:
		m["activity_duration_ms"] = ""
	}
	body := marshal(m)
	return request{provTradableBits, "activity", body, ""}
}

func (g *generator) vibes() request {
	f, e := g.fan(), &g.p.events[g.rng.IntN(len(g.p.events))]
	now := time.Now().UTC()
	date := now.Format("2006-01-02T15:04Z")
	mdn := f.mobile
	if g.rng.IntN(5) == 0 { // callbacks registered before API v2 send MDNs without "+"
		mdn = strings.TrimPrefix(mdn, "+")
	}
	person := map[string]any{"id": f.personID, "person_key": f.personKey,
		"external_person_id": f.externalID, "mobile_phone": map[string]any{"mdn": mdn}}
	m := map[string]any{"event_id": uuid(g.rng), "event_date": date}
	switch r := g.rng.IntN(100); {
	case r < 40:
		m["callback_type"] = "person_updated"
		m["person"] = map[string]any{"person_key": f.personKey, "person_id": f.personID,
			"external_person_id": f.externalID,
			"mobile_phone":       map[string]any{"mdn": mdn, "carrier_code": "GB-VODAFONE"},
			"custom_fields": map[string]any{"first_name": f.first, "birthdate": f.dob,
				"genres": []string{"indie", "electronic"}[:1+g.rng.IntN(2)]},
			"created_at": "2024-03-01T12:00Z", "updated_at": date}
	case r < 75:
		m["callback_type"] = "subscription_added"
		m["subscription"] = map[string]any{"person": person, "opt_in_date": date,
			"subscription_list": map[string]any{"id": e.vibesList,
				"url": "/companies/fanhook/mobiledb/subscription_lists/" + e.vibesList}}
	default:
		m["callback_type"] = "ack_participant_added"
		m["participant"] = map[string]any{"person": person, "status": "PENDING",
			"participation_date": date, "expire_date": now.Add(72 * time.Hour).Format("2006-01-02T15:04Z"),
			"acquisition_campaign": map[string]any{"id": e.vibesCampaign,
				"description": e.name + " SMS club", "keyword": e.keyword}}
	}
	m["event_type"] = m["callback_type"] // the deprecated twin Vibes still sends
	body := marshal(m)
	return request{provVibes, m["callback_type"].(string), body, ""}
}
