package sync

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParseVibes parses a Vibes callback. Routing is on callback_type, with the
// deprecated event_type as fallback (one of Vibes' own examples only has
// the latter). Both the current nested shapes and the older documented
// `{"subscription_added": {"list_id": ...}}` shapes are read.
func ParseVibes(body []byte, receivedAt time.Time) (Facts, error) {
	f := Facts{Provider: ProviderVibes}
	m, err := decodeObject(body)
	if err != nil {
		return f, err
	}
	named := firstNonEmpty(getStr(m, "callback_type"), getStr(m, "event_type"))
	f.EventType = strings.ToLower(named)
	if f.FactAt, err = factTime(m, "event_date", receivedAt); err != nil {
		return f, fmt.Errorf("vibes %s: %w", f.EventType, err)
	}
	// The older shapes keep their data under a key named after the event.
	legacy := firstObj(getObj(m, named), getObj(m, f.EventType))
	switch f.EventType {
	case "person_added", "person_updated":
		err = vibesPersonEvent(&f, m, legacy)
	case "subscription_added", "subscription_removed":
		err = vibesSubscription(&f, m, legacy)
	case "ack_participant_added", "ack_participant_changed":
		err = vibesParticipant(&f, m, legacy)
	case "subscription_list_added", "subscription_list_updated":
		err = vibesList(&f, m, legacy)
	default:
		f.Ignored = true
	}
	if err != nil {
		return f, fmt.Errorf("vibes %s: %w", f.EventType, err)
	}
	return f, nil
}

// vibesPerson reads a Vibes person object. MDNs without a country code are
// North American (Vibes' home market), hence the US default region.
func vibesPerson(o object) Person {
	p := Person{Phone: NormalizePhone(getStr(getObj(o, "mobile_phone"), "mdn"), "US")}
	p.addID(IdentityVibesPersonKey, getStr(o, "person_key"))
	p.addID(IdentityVibesPersonID, firstNonEmpty(getStr(o, "person_id"), getStr(o, "id")))
	p.addID(IdentityVibesExternalID, getStr(o, "external_person_id"))
	cf := getObj(o, "custom_fields")
	p.Email = NormalizeEmail(firstNonEmpty(getStr(cf, "email"), getStr(o, "email")))
	p.FirstName = getStr(cf, "first_name")
	p.LastName = getStr(cf, "last_name")
	p.Postcode = firstNonEmpty(getStr(cf, "postal_code"), getStr(cf, "zip"), getStr(cf, "zip_code"))
	// Vibes is an American platform: its people type dates month first.
	p.setDateOfBirthMonthFirst(firstNonEmpty(getStr(cf, "birthdate"), getStr(cf, "birthday"), getStr(cf, "date_of_birth")))
	return p
}

// firstObj returns the first non-empty object among objs.
func firstObj(objs ...object) object {
	for _, o := range objs {
		if len(o) > 0 {
			return o
		}
	}
	return nil
}

// errNoVibesPerson fails a delivery that names nobody: a consent without its
// fan would be lost silently, a failed delivery can be replayed after a fix.
var errNoVibesPerson = errors.New("no person with person_key, person_id, external_person_id or mdn")

func vibesPersonEvent(f *Facts, m, legacy object) error {
	if f.addPerson(vibesPerson(firstObj(getObj(m, "person"), getObj(legacy, "person"), legacy))) < 0 {
		return errNoVibesPerson
	}
	return nil
}

func vibesSubscription(f *Facts, m, legacy object) error {
	sub := getObj(m, "subscription")
	list := getObj(sub, "subscription_list")
	id := firstNonEmpty(getStr(list, "id"), getStr(sub, "list_id"), getStr(legacy, "list_id"))
	if id == "" {
		return errors.New("missing subscription list id")
	}
	status := ConsentSubscribed
	if f.EventType == "subscription_removed" {
		status = ConsentUnsubscribed
	}
	detail := compactDetail(map[string]string{
		"list_url":       getStr(list, "url"),
		"opt_in_date":    firstNonEmpty(getStr(sub, "opt_in_date"), getStr(legacy, "opt_in_date")),
		"opt_out_reason": firstNonEmpty(getStr(sub, "opt_out_reason"), getStr(legacy, "opt_out_reason")),
	})
	who := f.addPerson(vibesPerson(firstObj(getObj(sub, "person"), getObj(m, "person"), getObj(legacy, "person"))))
	if who < 0 {
		return errNoVibesPerson
	}
	f.addConsent(who, TopicVibesListPrefix+id, status, detail)
	return nil
}

func vibesParticipant(f *Facts, m, legacy object) error {
	part := getObj(m, "participant")
	camp := getObj(part, "acquisition_campaign")
	id := firstNonEmpty(getStr(camp, "id"), getStr(part, "campaign_id"), getStr(legacy, "campaign_id"))
	if id == "" {
		return errors.New("missing acquisition campaign id")
	}
	status := strings.ToLower(firstNonEmpty(getStr(part, "status"), getStr(legacy, "status")))
	switch {
	case status == "":
		// The older shape carries no status; a new participant is pending
		// until they confirm. A change without a status says nothing.
		if f.EventType == "ack_participant_added" {
			status = ConsentCampaignPending
		}
	case !isStatusWord(status):
		return fmt.Errorf("participant status %q is not a word", status)
	}
	detail := compactDetail(map[string]string{
		"keyword":            getStr(camp, "keyword"),
		"description":        getStr(camp, "description"),
		"participation_date": getStr(part, "participation_date"),
		"expire_date":        getStr(part, "expire_date"),
	})
	who := f.addPerson(vibesPerson(firstObj(getObj(part, "person"), getObj(m, "person"), getObj(legacy, "person"))))
	if who < 0 {
		return errNoVibesPerson
	}
	if status != "" {
		f.addConsent(who, TopicVibesCampaignPrefix+id, status, detail)
	}
	return nil
}

func vibesList(f *Facts, m, legacy object) error {
	l := firstObj(getObj(m, "subscription_list"), legacy)
	id := firstNonEmpty(getStr(l, "id"), getStr(l, "list_id"))
	if id == "" {
		return errors.New("missing subscription_list id")
	}
	f.VibesList = &VibesListFact{ListID: id, Name: getStr(l, "name"), URL: getStr(l, "url")}
	return nil
}

// addConsent records a consent at the delivery's fact time (event_date), not
// opt_in_date, so every consent of one provider orders on the same clock;
// the provider's own dates stay in Detail.
func (f *Facts) addConsent(person int, topic, status string, detail map[string]string) {
	f.Consents = append(f.Consents, ConsentFact{
		Person: person, Topic: topic, Status: status, At: f.FactAt, Detail: detail,
	})
}

// compactDetail drops empty values; nil when nothing is left.
func compactDetail(d map[string]string) map[string]string {
	for k, v := range d {
		if v == "" {
			delete(d, k)
		}
	}
	if len(d) == 0 {
		return nil
	}
	return d
}
