package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
)

// The pool is the recurring population the load draws from: a fixed set of fans who buy
// again and again across providers, so the server's identity resolution, merging and
// upserts are exercised as in production rather than only inserts; and a few hot events
// that take every sale, so contention on event rows is realistic.

var (
	firstNames = []string{"Ron", "Hermione", "Aoife", "Zoë", "Seán", "Priya", "Oliver", "Amelia",
		"José", "Chloé", "Mohammed", "Olivia", "Jack", "Isla", "Noah", "Siobhán", "Liam", "Emily",
		"Kwame", "Mei"}
	lastNames = []string{"Weasley", "Granger", "O'Brien", "Müller", "Smith", "Jones", "Patel",
		"Nowak", "García", "Kelly", "Murphy", "Williams", "Brown", "Taylor", "Nguyen", "Wilson",
		"Evans", "Davies", "Okafor", "Chen"}
	artists = []string{"The Night Owls", "Glasshouse", "DJ Meridian", "Harbour Lights",
		"Velvet Static", "Moss & Ember", "Kid Comet"}
	venues = []venue{
		{"15128", "02 Arena", "London SE10 0DX", "SE10 0DX", "United Kingdom", "London", "Europe/London", "GBP"},
		{"20411", "3Arena", "North Wall Quay, Dublin 1", "D01 T0X4", "Ireland", "Dublin", "Europe/Dublin", "EUR"},
		{"18302", "O2 Academy Brixton", "211 Stockwell Rd, London SW9 9SL", "SW9 9SL", "United Kingdom", "London", "Europe/London", "GBP"},
		{"16777", "Barrowland Ballroom", "244 Gallowgate, Glasgow G4 0TT", "G4 0TT", "United Kingdom", "Glasgow", "Europe/London", "GBP"},
		{"19020", "Albert Hall", "27 Peter St, Manchester M2 5QR", "M2 5QR", "United Kingdom", "Manchester", "Europe/London", "GBP"},
	}
	postcodes = []string{"SE10 0DX", "SW9 9SL", "M2 5QR", "G4 0TT", "D01 T0X4", "BS1 4DJ", "LS1 6AA"}
	prefs     = []string{"opt_in", "opt_out", "soft_opt_in", "soft_opt_out"}
)

type venue struct{ id, name, address, postcode, country, city, tz, currency string }

type ticketType struct{ id, name, price, fee string }

type fan struct {
	first, last, email, mobile, dob, uuid, pref string
	tbFanID                                     int64
	personKey, personID, externalID             string
	holder                                      []byte // FIXR ticket holder object, rendered once
}

type event struct {
	fixrID, name, url string
	venue             venue
	location          []byte // FIXR location object, rendered once
	types             []ticketType
	slug              string // Tikkl campaign
	tbCampaign        int64
	formStyle         int // which entry_form key names this Tradable Bits campaign uses
	vibesList         string
	vibesCampaign     string
	keyword           string
}

type pool struct {
	fans   []fan
	events []event
	// idBase makes the numeric ids of one run (message_id, activity_id, orderId) differ
	// from another run's, while the same --seed reproduces them (to test dedup on purpose).
	idBase uint64
	seq    atomic.Uint64
}

// fixrHolder mirrors the documented ticket holder, in the documented field order.
type fixrHolder struct {
	FirstName   string  `json:"first_name"`
	LastName    string  `json:"last_name"`
	Email       string  `json:"email"`
	DateOfBirth string  `json:"date_of_birth"`
	Mobile      string  `json:"mobile_number"`
	Gender      *string `json:"gender"`
	GenderSelf  *string `json:"gender_self_describe"`
	UserUUID    string  `json:"user_uuid"`
	Pref        string  `json:"contact_preferences_user_response"`
}

type fixrLocation struct {
	LocationID string `json:"location_id"`
	Name       string `json:"name"`
	Address    string `json:"address"`
	Online     bool   `json:"online"`
	Postcode   string `json:"postcode"`
	Country    string `json:"country"`
	City       string `json:"city"`
	Timezone   string `json:"timezone"`
}

func newPool(seed uint64, nFans, nEvents int) *pool {
	rng := rand.New(rand.NewPCG(seed, 0xfa115))
	p := &pool{idBase: 1e15 + rng.Uint64N(7e15)}
	genders := []*string{ptr("m"), ptr("f"), nil}
	for i := range nFans {
		f := fan{
			first: firstNames[rng.IntN(len(firstNames))],
			last:  lastNames[rng.IntN(len(lastNames))],
			dob: fmt.Sprintf("%04d-%02d-%02d", 1960+rng.IntN(45), 1+rng.IntN(12),
				1+rng.IntN(28)),
			uuid:       uuid(rng),
			pref:       prefs[rng.IntN(len(prefs))],
			tbFanID:    int64(5_000_000 + i),
			personKey:  uuid(rng),
			personID:   fmt.Sprint(70_000_000 + i),
			externalID: fmt.Sprintf("crm-%07d", i),
		}
		// Index in the address keeps every fan's email distinct.
		f.email = fmt.Sprintf("%s.%s%d@example.com", asciiLower(f.first), asciiLower(f.last), i)
		f.mobile = fmt.Sprintf("+447%09d", rng.IntN(1e9))
		if i > 0 && rng.IntN(50) == 0 {
			// Families share phones: the server must not merge fans with different emails.
			f.mobile = p.fans[i-1].mobile
		}
		f.holder, _ = json.Marshal(fixrHolder{f.first, f.last, f.email, f.dob, f.mobile,
			genders[rng.IntN(len(genders))], nil, f.uuid, f.pref})
		p.fans = append(p.fans, f)
	}
	for i := range nEvents {
		v := venues[i%len(venues)]
		e := event{
			fixrID:        fmt.Sprint(900_000_000 + rng.IntN(99_999_999)),
			name:          fmt.Sprintf("%s Live at %s", artists[i%len(artists)], v.name),
			venue:         v,
			slug:          fmt.Sprintf("tour-%d-%s", i+1, strings.ToLower(v.city)), // unique: the campaign URL is the event
			tbCampaign:    int64(880_000 + i),
			formStyle:     i % 3,
			vibesList:     fmt.Sprintf("l%04d", 1000+i),
			vibesCampaign: fmt.Sprintf("c%04d", 2000+i),
			keyword:       fmt.Sprintf("LIVE%d", i+1),
		}
		e.url = "https://fixr.co/event/" + e.fixrID
		e.location, _ = json.Marshal(fixrLocation{v.id, v.name, v.address, false, v.postcode,
			v.country, v.city, v.tz})
		tid := 540_000 + i*10
		e.types = []ticketType{
			{fmt.Sprint(tid), "General Admission", "25.00", "2.50"},
			{fmt.Sprint(tid + 1), "Early Bird", "18.5", "1.85"},
			{fmt.Sprint(tid + 2), "VIP", "65.00", "6.75"},
		}
		p.events = append(p.events, e)
	}
	return p
}

func (p *pool) nextSeq() uint64 { return p.seq.Add(1) }

func ptr(s string) *string { return &s }

func uuid(rng *rand.Rand) string {
	a, b := rng.Uint64(), rng.Uint64()
	a = a&^0xf000 | 0x4000     // version 4
	b = b&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48,
		b&0xffffffffffff)
}

// asciiLower keeps only ASCII letters so generated emails are plain local parts.
func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (g *generator) base62(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = base62[g.rng.IntN(len(base62))]
	}
	return string(b)
}

// marshal is json.Marshal without HTML escaping: providers send entry_form's "&" as is.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the values are built here and always encode
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
