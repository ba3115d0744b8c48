package sync

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParseTikkl parses a Tikkl webhook. Tikkl sends no envelope: objectType
// says which of the two shapes it is, and the campaign (campaignUrl) is the
// event.
func ParseTikkl(body []byte, receivedAt time.Time) (Facts, error) {
	f := Facts{Provider: ProviderTikkl}
	m, err := decodeObject(body)
	if err != nil {
		return f, err
	}
	f.EventType = strings.ToLower(getStr(m, "objectType"))
	switch f.EventType {
	case "transaction", "ticket":
	default:
		f.FactAt = receivedAt.UTC()
		f.Ignored = true
		return f, nil
	}
	if f.FactAt, err = factTime(m, "orderTimeUtc", receivedAt); err != nil {
		return f, fmt.Errorf("tikkl %s: %w", f.EventType, err)
	}
	if f.EventType == "transaction" {
		err = tikklTransaction(&f, m)
	} else {
		err = tikklTicket(&f, m)
	}
	if err != nil {
		return f, fmt.Errorf("tikkl %s: %w", f.EventType, err)
	}
	return f, nil
}

// tikklCampaign keys a campaign by its URL without a trailing slash: the
// same campaign's page is written both ways.
func tikklCampaign(m object) string {
	return strings.TrimRight(getStr(m, "campaignUrl"), "/")
}

// tikklEvent is the campaign as an event. It is not a stub: the name is a
// dated fact, and the two payload kinds name one campaign differently, so
// the applier keeps the newest.
func tikklEvent(m object, name string) *EventFact {
	url := getStr(m, "campaignUrl")
	if url == "" {
		return nil
	}
	return &EventFact{
		ExternalID: tikklCampaign(m),
		AccountID:  getStr(m, "orgSubdomain"),
		Name:       name,
		URL:        url,
	}
}

// tikklPerson builds a person from a full name, an email and a phone.
func tikklPerson(full, email, phone string) Person {
	p := Person{
		FullName: full,
		Email:    NormalizeEmail(email),
		Phone:    NormalizePhone(phone, "GB"),
	}
	p.FirstName, p.LastName = SplitFullName(full)
	return p
}

func tikklTransaction(f *Facts, m object) error {
	o := &OrderFact{
		ExternalID:      getStr(m, "orderId"),
		EventExternalID: tikklCampaign(m),
		URL:             getStr(m, "orderUrl"),
	}
	if o.ExternalID == "" {
		return errors.New("missing orderId")
	}
	var err error
	if o.TicketCount, err = getCount(m, "ticketCount"); err != nil {
		return err
	}
	at := f.FactAt
	o.SoldAt = &at
	o.Person = f.addPerson(tikklPerson(getStr(m, "userName"), getStr(m, "userEmail"), getStr(m, "userPhone")))
	f.Order = o
	f.Event = tikklEvent(m, getStr(m, "campaignName"))
	return nil
}

func tikklTicket(f *Facts, m object) error {
	one := int64(1)
	at := f.FactAt
	t := TicketFact{
		ExternalID:      getStr(m, "ticketId"),
		EventExternalID: tikklCampaign(m),
		OrderExternalID: getStr(m, "orderId"),
		Quantity:        &one,
		SoldAt:          &at,
	}
	if t.ExternalID == "" {
		return errors.New("missing ticketId")
	}
	t.Person = f.addPerson(tikklPerson(getStr(m, "registrantName"), getStr(m, "registrantEmail"), getStr(m, "registrantPhone")))
	f.Tickets = []TicketFact{t}
	if t.OrderExternalID != "" {
		// The registrant need not be the buyer: the order gets no person.
		f.Order = &OrderFact{ExternalID: t.OrderExternalID, EventExternalID: t.EventExternalID, Person: -1}
	}
	f.Event = tikklEvent(m, firstNonEmpty(getStr(m, "eventName"), getStr(m, "campaignName")))
	return nil
}
