package sync

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// decodeTreeSeeds are bodies at the edges of what decodeTree decodes
// itself and what it leaves to encoding/json.
var decodeTreeSeeds = []string{
	`{}`, ` {} `, "\t{\r\n}\n", `{"a":{}}`, `{"a":[]}`, `{"a":[[],{}]}`, `{"a":null,"b":true,"c":false}`,
	`{"a":1,"a":2}`, `{"a":{"b":1},"a":{"c":2}}`, `{"n":0}`, `{"n":-0}`, `{"n":-1.50e+03}`, `{"n":1E-7}`,
	`{"n":01}`, `{"n":-}`, `{"n":1.}`, `{"n":.5}`, `{"n":1e}`, `{"n":+1}`, `{"n":0x1}`,
	`{"s":"caf\u00e9"}`, "{\"s\":\"caf\xc3\xa9\"}", "{\"s\":\"\xff\"}", "{\"s\":\"a\xc3\"}",
	`{"s":"\"\\\/\b\f\n\r\t"}`, `{"s":"\u0000"}`, `{"s":"\ud83d\ude00"}`, `{"s":"\ud83d"}`, `{"s":"\ude00x"}`,
	`{"s":"\uzzzz"}`, `{"s":"\u12"}`, `{"s":"\x"}`, `{"s":"a\`, "{\"s\":\"a\x01\"}", "{\"s\":\"\\u00e9\xff\"}",
	`{"a":1}x`, `{"a":1} {"b":2}`, `{"a":1}}`, `[{"a":1}]`, `"a"`, `1`, `null`, ``, ` `, `{`, `{"a"}`,
	`{"a":}`, `{"a":1,}`, `{,"a":1}`, `{"a":[1,]}`, `{"a":[,1]}`, `{"a":tru}`, `{"a":nul}`, `{"a":truex}`,
	`{a:1}`, `{"a" 1}`, "\xef\xbb\xbf{}", `{"a":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}`,
}

// checkDecodeTree fails t when decodeTree answers for body and encoding/json
// does not decode the same tree.
func checkDecodeTree(t *testing.T, body []byte) {
	t.Helper()
	got, ok := decodeTree(body)
	if !ok {
		return
	}
	want, err := decodeObjectStd(body)
	if err != nil {
		t.Fatalf("decodeTree(%q) = %#v, encoding/json fails: %v", body, got, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeTree(%q) = %#v, encoding/json gives %#v", body, got, want)
	}
}

func TestDecodeTreeMatchesEncodingJSON(t *testing.T) {
	for _, seed := range decodeTreeSeeds {
		checkDecodeTree(t, []byte(seed))
	}
}

// TestDecodeTreeTakesProviderBodies keeps the fast path for what providers
// send: every documented body encoding/json decodes, decodeTree decodes.
func TestDecodeTreeTakesProviderBodies(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	stories, _ := filepath.Glob(filepath.Join("testdata", "stories", "*", "*.json"))
	paths = append(paths, stories...)
	if len(paths) < 20 {
		t.Fatalf("only %d testdata bodies", len(paths))
	}
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeObjectStd(body); err != nil {
			continue
		}
		if _, ok := decodeTree(body); !ok {
			t.Errorf("%s: decodeTree declined a body encoding/json decodes", p)
		}
		checkDecodeTree(t, body)
	}
}

// TestDecodeTreeDeclines lists what must go to encoding/json.
func TestDecodeTreeDeclines(t *testing.T) {
	for _, body := range []string{"{\"s\":\"\xff\"}", `{"s":"\ud83d\ude00"}`, `[{}]`, `null`, `{"a":01}`} {
		if m, ok := decodeTree([]byte(body)); ok {
			t.Errorf("decodeTree(%q) = %#v, want it declined", body, m)
		}
	}
}
