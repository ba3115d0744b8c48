package sync

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// String's fast path for plain names and stamps writes what the general
// grouping does, byte for byte.
func TestFieldTimesStringMatchesGrouping(t *testing.T) {
	stamps := []string{"2023-09-20T11:11:17.000000000Z", "2023-09-20T11:11:17.250000000Z",
		"0001-01-01T00:00:00.000000000Z", "2024-01-02T03:04:05.123456789Z", "not a stamp", ""}
	cols := []string{"email", "phone", "a", "status", "sold_at", "x y", ""}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		ft := fieldTimes{}
		for range rng.IntN(6) {
			ft[cols[rng.IntN(len(cols))]] = stamps[rng.IntN(len(stamps))]
		}
		if got, want := ft.String(), ft.groupedString(); got != want {
			t.Fatalf("String() = %s, grouping gives %s", got, want)
		}
	}
	odd := fieldTimes{"a\"b": "2023-09-20T11:11:17.000000000Z", "é": "2023-09-20T11:11:17.000000000Z"}
	if got, want := odd.String(), `{"2023-09-20T11:11:17Z":"a\"b é"}`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}

// Field times are stored grouped by stamp, in time order, and every form stored before
// (the flat map encoding/json wrote) still reads back the same.
func TestFieldTimesCodec(t *testing.T) {
	maps := []fieldTimes{
		{},
		{"email": "2023-09-20T11:11:17.000000000Z"},
		{"email": "2023-09-20T11:11:17.000000000Z", "phone": "0001-01-01T00:00:00.000000000Z", "first_name": "2024-01-02T03:04:05.123456789Z"},
		{"a": "2023-09-20T11:11:17.500000000Z", "b": "2023-09-20T11:11:17.000000000Z", "c": "2023-09-20T11:11:17.000000000Z"},
	}
	for _, ft := range maps {
		if back := parseFieldTimes(ft.String()); !reflect.DeepEqual(back, ft) {
			t.Errorf("parse(%s) = %v, want %v", ft.String(), back, ft)
		}
		flat, _ := json.Marshal(map[string]string(ft))
		if back := parseFieldTimes(string(flat)); !reflect.DeepEqual(back, ft) {
			t.Errorf("parse(%s) (flat form) = %v, want %v", flat, back, ft)
		}
	}
	grouped := fieldTimes{
		"quantity": "2023-09-20T11:11:17.000000000Z", "currency": "2023-09-20T11:11:17.000000000Z",
		"event_id": "0001-01-01T00:00:00.000000000Z", "sold_at": "2023-09-20T11:11:17.250000000Z",
	}.String()
	want := `{"0001-01-01T00:00:00Z":"event_id","2023-09-20T11:11:17Z":"currency quantity","2023-09-20T11:11:17.25Z":"sold_at"}`
	if grouped != want {
		t.Errorf("String() = %s, want %s", grouped, want)
	}
	for raw, want := range map[string]fieldTimes{
		"":                                   {},
		`{ "a" : "1" }`:                      {"a": "1"},
		`{"a":"x\"y"}`:                       {"a": `x"y`},
		`{"a":"1",}`:                         {},
		`not json`:                           {},
		`{"a":"1","b":"2"}`:                  {"a": "1", "b": "2"},
		`{"a":"\u00e9"}`:                     {"a": "é"},
		`{ "2023-09-20T11:11:17Z" : "a b" }`: {"a": "2023-09-20T11:11:17.000000000Z", "b": "2023-09-20T11:11:17.000000000Z"},
		`{"2023-09-20T11:11:17.1Z":"a","b":"2023-09-20T11:11:17.000000000Z"}`: {"a": "2023-09-20T11:11:17.100000000Z", "b": "2023-09-20T11:11:17.000000000Z"},
	} {
		if got := parseFieldTimes(raw); !reflect.DeepEqual(got, want) {
			t.Errorf("parseFieldTimes(%q) = %v, want %v", raw, got, want)
		}
	}
}
