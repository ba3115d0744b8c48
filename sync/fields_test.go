package sync

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The hand-written field-times codec must agree with encoding/json, which
// wrote the maps already stored and reads whatever it cannot.
func TestFieldTimesCodec(t *testing.T) {
	maps := []fieldTimes{
		{},
		{"email": "2023-09-20T11:11:17.000000000Z"},
		{"email": "2023-09-20T11:11:17.000000000Z", "phone": "0001-01-01T00:00:00.000000000Z", "first_name": "2024-01-02T03:04:05.123456789Z"},
	}
	for _, ft := range maps {
		want, _ := json.Marshal(map[string]string(ft))
		if got := ft.String(); got != string(want) {
			t.Errorf("String() = %s, encoding/json gives %s", got, want)
		}
		if back := parseFieldTimes(ft.String()); !reflect.DeepEqual(back, ft) {
			t.Errorf("parse(String()) = %v, want %v", back, ft)
		}
	}
	for raw, want := range map[string]fieldTimes{
		"":                  {},
		`{ "a" : "1" }`:     {"a": "1"},
		`{"a":"x\"y"}`:      {"a": `x"y`},
		`{"a":"1",}`:        {},
		`not json`:          {},
		`{"a":"1","b":"2"}`: {"a": "1", "b": "2"},
		`{"a":"\u00e9"}`:    {"a": "é"},
	} {
		if got := parseFieldTimes(raw); !reflect.DeepEqual(got, want) {
			t.Errorf("parseFieldTimes(%q) = %v, want %v", raw, got, want)
		}
	}
}
