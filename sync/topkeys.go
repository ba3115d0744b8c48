package sync

import (
	"bytes"
	"encoding/json"
	"strings"
)

// A webhook's event type and dedup key are a few top-level fields of its
// body. Decoding them into a struct scanned the body twice (validation,
// then decoding while skipping the rest): 6 µs of a FIXR webhook's ~19 µs
// in the handler. topLevelFields finds them in a body already known to be
// valid JSON (the handler has checked it; DeliveryKey checks it) with one
// walk over the top level that skips nested values without reading them.
// Where its answer could differ from the decoder's (a key spelled with an
// escape, outside ASCII, or in another case), it declines and the decoder
// answers; FuzzTopLevelFields holds the two to the same result.

// topLevelFields sets out[k] to the raw value of the top-level key
// wanted[k] of body, valid JSON, or leaves it nil when absent. ok is false
// when the caller must decode instead: body is not an object, or one of its
// top-level keys is not matched exactly as encoding/json would.
func topLevelFields(body []byte, wanted []string, out []json.RawMessage) (ok bool) {
	i := skipSpace(body, 0)
	if body[i] != '{' {
		return false
	}
	if i = skipSpace(body, i+1); body[i] == '}' {
		return true
	}
	for {
		// Validity vouches for the rest: a key string, a colon, a value,
		// then a comma or the closing brace.
		end := i + 1 + bytes.IndexByte(body[i+1:], '"')
		k, ok := wantedIndex(body[i+1:end], wanted)
		if !ok {
			return false
		}
		start := skipSpace(body, skipSpace(body, end+1)+1)
		stop := skipValue(body, start)
		if k >= 0 {
			out[k] = body[start:stop] // twice: the last, as the decoder
		}
		if i = skipSpace(body, stop); body[i] == '}' {
			return true
		}
		i = skipSpace(body, i+1)
	}
}

// wantedIndex is the index of key in wanted, or -1. ok is false for a key
// the decoder might match differently: escaped, outside ASCII (it folds
// the Kelvin sign and the long s into k and s), or equal to a wanted key
// only when case is ignored.
func wantedIndex(key []byte, wanted []string) (k int, ok bool) {
	for _, c := range key {
		if c == '\\' || c >= 0x80 {
			return -1, false
		}
	}
	for k, w := range wanted {
		if string(key) == w {
			return k, true
		}
		if strings.EqualFold(string(key), w) { // ASCII by now: the decoder's fold too
			return -1, false
		}
	}
	return -1, true
}

// skipValue returns the index just past the valid JSON value at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) {
		switch b[i] { // a number, true, false or null ends at one of these
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}
