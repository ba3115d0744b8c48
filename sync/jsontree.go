package sync

import (
	"encoding/json"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeTree builds the tree encoding/json builds for a JSON object with
// UseNumber (object, []any, string, json.Number, bool, nil) in one pass,
// where encoding/json scans a body once to find its end and again to
// decode it, and allocates every key and string. Here the body becomes one
// string and keys and plain values are substrings of it, and each object
// and array is made at its final size. A FIXR ticket_sold decodes in about
// two fifths of the time, with 60 allocations instead of 148
// (BenchmarkDecodeObject).
//
// ok is false for whatever it would not decode exactly as encoding/json
// does: invalid JSON, anything but an object at the top, data after it,
// invalid UTF-8, a \u escape of a surrogate, very deep nesting.
// decodeObject then asks encoding/json, which gives the same tree or the
// error; FuzzDecodeTree holds the two to the same trees.
//
// The substrings keep the body's string alive while any value read from it
// is: the bodies of a batch or two (with the import's parse ahead) at most.
func decodeTree(body []byte) (m object, ok bool) {
	d := treeDecoder{s: string(body)}
	if d.next() != '{' {
		return nil, false
	}
	if m, ok = d.object(); !ok {
		return nil, false
	}
	return m, skipSpace(d.s, d.i) == len(d.s)
}

// maxTreeDepth bounds nesting; deeper bodies go to encoding/json.
const maxTreeDepth = 256

type treeDecoder struct {
	s     string
	i     int
	depth int
	// Members and elements wait here until their object or array ends and
	// is made at its size. Nested values finish first, so one stack serves.
	members  []treeMember
	elements []any
}

type treeMember struct {
	key   string
	value any
}

// next skips space and tells the byte there, or 0 at the end.
func (d *treeDecoder) next() byte {
	d.i = skipSpace(d.s, d.i)
	if d.i >= len(d.s) {
		return 0
	}
	return d.s[d.i]
}

func (d *treeDecoder) value() (any, bool) {
	switch c := d.next(); {
	case c == '{':
		m, ok := d.object()
		if !ok {
			return nil, false
		}
		return m, true
	case c == '[':
		a, ok := d.array()
		if !ok {
			return nil, false
		}
		return a, true
	case c == '"':
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		return s, true
	case c == '-' || (c >= '0' && c <= '9'):
		n, ok := d.number()
		if !ok {
			return nil, false
		}
		return n, true
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, false
}

func (d *treeDecoder) literal(word string) bool {
	if !strings.HasPrefix(d.s[d.i:], word) {
		return false
	}
	d.i += len(word)
	return true
}

// container reads the object or array whose bracket is under d.i up to its
// closing bracket, calling item for each member or element.
func (d *treeDecoder) container(closing byte, item func() bool) bool {
	d.i++
	if d.depth++; d.depth > maxTreeDepth {
		return false
	}
	if d.next() == closing {
		d.i++
		d.depth--
		return true
	}
	for item() {
		switch d.next() {
		case closing:
			d.i++
			d.depth--
			return true
		case ',':
			d.i++
		default:
			return false
		}
	}
	return false
}

func (d *treeDecoder) object() (object, bool) {
	start := len(d.members)
	ok := d.container('}', func() bool {
		if d.next() != '"' {
			return false
		}
		key, ok := d.str()
		if !ok || d.next() != ':' {
			return false
		}
		d.i++
		value, ok := d.value()
		d.members = append(d.members, treeMember{key, value})
		return ok
	})
	members := d.members[start:]
	var m object
	if ok {
		m = make(object, len(members))
		for _, kv := range members {
			m[kv.key] = kv.value // a repeated key keeps its last value, as in encoding/json
		}
	}
	clear(members) // let the stack hold no references
	d.members = d.members[:start]
	return m, ok
}

func (d *treeDecoder) array() ([]any, bool) {
	start := len(d.elements)
	ok := d.container(']', func() bool {
		v, ok := d.value()
		d.elements = append(d.elements, v)
		return ok
	})
	var a []any
	if ok {
		a = make([]any, len(d.elements)-start) // never nil, as in encoding/json
		copy(a, d.elements[start:])
	}
	clear(d.elements[start:])
	d.elements = d.elements[:start]
	return a, ok
}

// str reads the string starting at the quote under d.i.
func (d *treeDecoder) str() (string, bool) {
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '"':
			s := d.s[start:j]
			if !ascii && !utf8.ValidString(s) {
				return "", false // encoding/json would replace the bad bytes
			}
			d.i = j + 1
			return s, true
		case c == '\\':
			return d.escapedStr(start)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// escapedStr is str for a string with escapes, which must be copied.
func (d *treeDecoder) escapedStr(start int) (string, bool) {
	var b strings.Builder
	j := start
	for j < len(d.s) {
		c := d.s[j]
		switch {
		case c == '"':
			s := b.String()
			if !utf8.ValidString(s) {
				return "", false
			}
			d.i = j + 1
			return s, true
		case c < 0x20:
			return "", false
		case c != '\\':
			b.WriteByte(c)
			j++
			continue
		}
		if j+1 >= len(d.s) {
			return "", false
		}
		switch e := d.s[j+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(d.s[j+2:])
			if !ok || utf16.IsSurrogate(r) {
				return "", false // pairs and lone halves: encoding/json's rules
			}
			b.WriteRune(r)
			j += 4
		default:
			return "", false
		}
		j += 2
	}
	return "", false
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a number by JSON's grammar and keeps its text.
func (d *treeDecoder) number() (json.Number, bool) {
	end := numberEnd(d.s, d.i)
	if end < 0 {
		return "", false
	}
	n := json.Number(d.s[d.i:end])
	d.i = end
	return n, true
}
