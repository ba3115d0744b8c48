package sync

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fanhook/fanhook/models"
)

// Provider names as they appear in routes, the inbox and Facts.Provider.
const (
	ProviderFIXR         = models.ProviderFIXR
	ProviderTikkl        = models.ProviderTikkl
	ProviderTradableBits = models.ProviderTradableBits
	ProviderVibes        = models.ProviderVibes
)

// ParseDelivery parses one stored delivery of provider into Facts.
func ParseDelivery(provider string, body []byte, receivedAt time.Time) (Facts, error) {
	switch provider {
	case ProviderFIXR:
		return ParseFIXR(body, receivedAt)
	case ProviderTikkl:
		return ParseTikkl(body, receivedAt)
	case ProviderTradableBits:
		return ParseTradableBits(body, receivedAt)
	case ProviderVibes:
		return ParseVibes(body, receivedAt)
	}
	return Facts{Provider: provider}, fmt.Errorf("unknown provider %q", provider)
}

// DeliveryKey gives the event type and dedup key the inbox stores at ingest
// (CONTRACT "Deduplication keys"). It never fails: whatever the body, the
// fallback key is the hex SHA-256 of the raw bytes, so nothing authenticated
// is dropped for lack of an id.
func DeliveryKey(provider string, body []byte) (eventType, dedupKey string) {
	eventType, dedupKey = providerKey(provider, body, json.Valid(body))
	if dedupKey == "" {
		dedupKey = bodyChecksum(body)
	}
	return eventType, dedupKey
}

// bodyChecksum is the hex SHA-256 of a raw body: its checksum, and the
// dedup key of a body without an id.
func bodyChecksum(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// providerKey is DeliveryKey without the fallback: the dedup key is "" when
// the body names no id. validJSON says body is known to be valid JSON.
func providerKey(provider string, body []byte, validJSON bool) (eventType, dedupKey string) {
	var raw [len(keyFields)]json.RawMessage
	if !validJSON || !topLevelFields(body, keyFields[:], raw[:]) {
		raw = decodeKeyFields(body)
	}
	switch provider {
	case ProviderFIXR:
		eventType = rawScalar(raw[keyEvent])
		if id := rawScalar(raw[keyMessageID]); id != "" {
			dedupKey = id + ":" + eventType
		}
	case ProviderTikkl:
		eventType = rawScalar(raw[keyObjectType])
	case ProviderTradableBits:
		eventType = "activity"
		dedupKey = rawScalar(raw[keyActivityID])
	case ProviderVibes:
		eventType = firstNonEmpty(rawScalar(raw[keyCallbackType]), rawScalar(raw[keyEventType]))
		dedupKey = rawScalar(raw[keyEventID])
	}
	return eventType, dedupKey
}

// keyFields are the top-level fields providerKey reads, indexed by the
// constants below.
var keyFields = [...]string{"event", "message_id", "objectType", "activity_id", "callback_type", "event_type", "event_id"}

const (
	keyEvent = iota
	keyMessageID
	keyObjectType
	keyActivityID
	keyCallbackType
	keyEventType
	keyEventID
)

// decodeKeyFields reads keyFields with encoding/json, for the bodies
// topLevelFields declines. Decoding into a struct skips the rest of the
// body without building it, three times cheaper than a map.
func decodeKeyFields(body []byte) [len(keyFields)]json.RawMessage {
	var top struct {
		Event        json.RawMessage `json:"event"`
		MessageID    json.RawMessage `json:"message_id"`
		ObjectType   json.RawMessage `json:"objectType"`
		ActivityID   json.RawMessage `json:"activity_id"`
		CallbackType json.RawMessage `json:"callback_type"`
		EventType    json.RawMessage `json:"event_type"`
		EventID      json.RawMessage `json:"event_id"`
	}
	_ = json.Unmarshal(body, &top) // a missing key just reads as ""
	return [...]json.RawMessage{top.Event, top.MessageID, top.ObjectType, top.ActivityID,
		top.CallbackType, top.EventType, top.EventID}
}

// rawScalar reads a JSON string or number as text; anything else is "".
func rawScalar(raw json.RawMessage) string {
	if s, ok := plainScalar(raw); ok {
		return s
	}
	return decodedScalar(raw)
}

// decodedScalar is rawScalar through a decoder, for any raw value.
func decodedScalar(raw json.RawMessage) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if len(raw) == 0 || dec.Decode(&v) != nil {
		return ""
	}
	return str(v)
}

// plainScalar is rawScalar without a decoder for the usual ids and event
// names: a string without escapes, or a number, whose text is the value.
// (Decoding costs a FIXR delivery's key two decoders of ~1 KB each.) ok is
// false for anything else, which rawScalar then decodes.
func plainScalar(raw []byte) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		if len(raw) < 2 || raw[len(raw)-1] != '"' {
			return "", false
		}
		body := raw[1 : len(raw)-1]
		if bytes.IndexByte(body, '\\') >= 0 || !utf8.Valid(body) {
			return "", false
		}
		return strings.TrimSpace(string(body)), true
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw), true // json.Number keeps the literal
	}
	return "", false
}

// The helpers below read the generic JSON tree liberally: providers send ids
// as numbers or strings, nulls for absent fields, and numbers as strings.

type object = map[string]any

// decodeObject parses a body that must be one JSON object, keeping numbers
// as json.Number so that ids and amounts keep their exact text.
func decodeObject(body []byte) (object, error) {
	if m, ok := decodeTree(body); ok {
		return m, nil
	}
	return decodeObjectStd(body)
}

// decodeObjectStd is decodeObject by encoding/json alone: the reference
// decodeTree is held to, and the answer for whatever it declines.
func decodeObjectStd(body []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m object
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode body: %w", err)
	}
	if m == nil {
		return nil, errors.New("decode body: not a JSON object")
	}
	return m, nil
}

// str returns a string or number as trimmed text, a bool as "true"/"false",
// and "" for null, objects and arrays.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return withoutNUL(strings.TrimSpace(x))
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return ""
}

func getStr(m object, key string) string { return str(m[key]) }

// withoutNUL drops NUL characters (JSON's \u0000, a form's %00): PostgreSQL
// text cannot hold them, and both databases must keep the same data. The
// raw body keeps them.
func withoutNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// getObj returns m[key] if it is an object, else nil (reads on nil maps are
// safe, so callers need no checks).
func getObj(m object, key string) object {
	o, _ := m[key].(map[string]any)
	return o
}

// getList returns m[key] as a list; a lone object counts as a list of one.
func getList(m object, key string) []object {
	var out []object
	switch x := m[key].(type) {
	case []any:
		for _, e := range x {
			if o, ok := e.(map[string]any); ok {
				out = append(out, o)
			}
		}
	case map[string]any:
		out = append(out, x)
	}
	return out
}

// getInt reads an integer given as number or string. Absent, null or ""
// gives nil; anything else that is not an integer is an error.
func getInt(m object, key string) (*int64, error) {
	s := getStr(m, key)
	if s == "" {
		return nil, nil
	}
	n, err := parseDecimal(s, 0)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", key, s, err)
	}
	return &n, nil
}

// getCount is getInt for quantities, which cannot be negative.
func getCount(m object, key string) (*int64, error) {
	n, err := getInt(m, key)
	if err == nil && n != nil && *n < 0 {
		err = fmt.Errorf("%s %d: negative", key, *n)
	}
	return n, err
}

// getTime reads an optional time: nil when absent, an error when unreadable.
func getTime(m object, key string) (*time.Time, error) {
	s := getStr(m, key)
	if s == "" {
		return nil, nil
	}
	t, err := ParseTime(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return &t, nil
}

// factTime is the provider's time in m[key], or receivedAt when absent.
func factTime(m object, key string, receivedAt time.Time) (time.Time, error) {
	t, err := getTime(m, key)
	if err != nil || t == nil {
		return receivedAt.UTC(), err
	}
	return *t, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// jsonText renders a non-string JSON value as compact JSON text; null is ""
// (a blank field, as Tradable Bits means it).
func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
