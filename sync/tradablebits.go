package sync

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// ParseTradableBits parses an app-listener "Submit Campaign Form" post:
// {activity_id, fan_id, activity_duration_ms, entry_form, ...campaign fields}.
// Form fields are typed by fans, so bad values in them never fail the entry.
func ParseTradableBits(body []byte, receivedAt time.Time) (Facts, error) {
	f := Facts{Provider: ProviderTradableBits, EventType: "activity", FactAt: receivedAt.UTC()}
	m, err := decodeObject(body)
	if err != nil {
		return f, err
	}
	form, err := entryForm(m["entry_form"])
	if err != nil {
		return f, fmt.Errorf("tradablebits entry_form: %w", err)
	}
	// Every field is kept with the entry: the post's own, and the form's,
	// repeated keys joined by ",". A form field named like one of the
	// post's (a designer's "activity_id") is kept as "entry_form.<name>":
	// the post's ids are the ones fanhook keys the entry and the fan by.
	fields := make(map[string]string, len(form)+len(m))
	for k, v := range m {
		if k != "entry_form" {
			fields[k] = jsonText(v)
		}
	}
	for k, vs := range form {
		if _, taken := fields[k]; taken {
			k = "entry_form." + k
		}
		fields[k] = strings.Join(vs, ",")
	}
	fe := &FormEntryFact{ActivityID: getStr(m, "activity_id"), Fields: fields}
	if fe.ActivityID == "" {
		// Keyed like its delivery, by the body's SHA-256, rather than lost:
		// every field is kept with the entry.
		fe.ActivityID = bodyChecksum(body)
	}
	// Duration is informational and documented as sometimes blank: a
	// non-integer is dropped rather than failing the entry.
	fe.DurationMs, _ = getInt(m, "activity_duration_ms")

	person, consent := formPerson(form)
	person.addID(IdentityTradableBitsFan, getStr(m, "fan_id"))
	fe.Person = f.addPerson(person)
	if consent != "" && fe.Person >= 0 {
		f.Consents = append(f.Consents, ConsentFact{
			Person: fe.Person, Topic: TopicMarketing, Status: consent, At: f.FactAt,
			Detail: map[string]string{"activity_id": fe.ActivityID},
		})
	}
	f.FormEntry = fe
	return f, nil
}

// entryForm decodes entry_form, documented as a URL-encoded string but
// accepted as an already-decoded object too, into each key's values.
func entryForm(v any) (map[string][]string, error) {
	out := map[string][]string{}
	switch x := v.(type) {
	case nil:
	case string:
		out = parseForm(x)
	case map[string]any:
		for k, e := range x {
			if list, ok := e.([]any); ok {
				parts := make([]string, len(list))
				for i, p := range list {
					parts[i] = jsonText(p)
				}
				out[k] = parts
			} else {
				out[k] = []string{jsonText(e)}
			}
		}
	default:
		return nil, fmt.Errorf("unexpected JSON %T", v)
	}
	return out, nil
}

// firstFilled is the first value that is not blank, trimmed.
func firstFilled(vs []string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// parseForm is url.ParseQuery without its all-or-nothing error: a stray
// "%" or ";" typed by a fan keeps that pair undecoded instead of failing the
// entry.
func parseForm(s string) map[string][]string {
	out := map[string][]string{}
	for _, pair := range strings.Split(strings.TrimPrefix(strings.TrimSpace(s), "?"), "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out[unescapeForm(k)] = append(out[unescapeForm(k)], unescapeForm(v))
	}
	return out
}

// unescapeForm decodes one form key or value. Percent escapes can spell
// bytes that are not UTF-8 (%FC, Latin-1's ü) or NUL (%00); they become
// U+FFFD and nothing, so that every text column holds valid UTF-8 that
// PostgreSQL takes as well as SQLite.
func unescapeForm(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return strings.ToValidUTF8(withoutNUL(u), "\uFFFD")
	}
	return s
}

// formKeys maps a campaign designer's field names (lower-cased, with spaces
// and dashes as underscores) to the fan attribute they fill.
var formKeys = map[string]string{
	"email": "email", "e_mail": "email", "email_address": "email",
	"first_name": "first", "firstname": "first", "given_name": "first",
	"last_name": "last", "lastname": "last", "surname": "last", "family_name": "last",
	"name": "full", "full_name": "full", "fullname": "full",
	"phone": "phone", "mobile": "phone", "phone_number": "phone", "mobile_number": "phone", "cell": "phone",
	"birthday": "dob", "dob": "dob", "birth_date": "dob", "date_of_birth": "dob", "birthdate": "dob",
	"postal_code": "postcode", "zip": "postcode", "postcode": "postcode", "zip_code": "postcode", "zipcode": "postcode", "post_code": "postcode",
	"country": "country",
	"opt_in":  "optin", "optin": "optin", "newsletter": "optin",
}

// formPerson fills a person from the known form fields and returns the
// marketing consent they state ("" when none).
func formPerson(form map[string][]string) (Person, string) {
	byAttr := map[string]string{}
	// Sorted keys make the pick deterministic when two fields map to one
	// attribute ("Email" and "email_address").
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		nk := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(k)))
		attr, ok := formKeys[nk]
		v := firstFilled(form[k]) // a repeated key's first value fills the fan
		if !ok || v == "" {
			continue
		}
		if attr == "optin" {
			if formBool(v) == "" {
				continue
			}
		}
		if _, seen := byAttr[attr]; !seen {
			byAttr[attr] = v
		}
	}
	p := Person{
		Email:     NormalizeEmail(byAttr["email"]),
		FirstName: byAttr["first"],
		LastName:  byAttr["last"],
		FullName:  byAttr["full"],
		Postcode:  byAttr["postcode"],
		Country:   byAttr["country"],
	}
	if p.FullName != "" && p.FirstName == "" && p.LastName == "" {
		p.FirstName, p.LastName = SplitFullName(p.FullName)
	}
	region := regionOf(byAttr["country"])
	if region == "" {
		region = "GB"
	}
	if p.Phone = NormalizePhone(byAttr["phone"], region); p.Phone == "" && region != "GB" {
		p.Phone = NormalizePhone(byAttr["phone"], "GB")
	}
	p.setDateOfBirth(byAttr["dob"])
	return p, formBool(byAttr["optin"])
}

// formBool reads a checkbox-ish value as a marketing consent.
func formBool(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on", "y", "opt_in", "checked":
		return ConsentMarketingOptIn
	case "0", "false", "no", "off", "n", "opt_out":
		return ConsentMarketingOptOut
	}
	return ""
}
