package sync

// MaxJSONDepth is how deep a webhook body may nest. Real payloads nest a
// handful of levels; anything deeper is an attack on a decoder.
const MaxJSONDepth = 64

// ScanJSON tells whether body is one valid JSON value, as json.Valid does,
// nested at most MaxJSONDepth deep; tooDeep says it stopped at a bracket
// past that depth. It is one pass with a loop and a fixed stack, where
// json.Valid calls a state function for every byte and the handler's depth
// scan went over the body once more. On FIXR's ticket_sold the webhook
// handler's check takes 1.4-2.2 µs against 5.1-6.2 (BenchmarkValidateBody
// in handlers); it was a third of the handler's CPU. FuzzScanJSON
// (handlers) holds it to json.Valid and the handler's jsonDepth on any
// input.
func ScanJSON(body []byte) (ok, tooDeep bool) {
	var open [MaxJSONDepth]byte // the bracket of each enclosing container
	depth := 0
	i := skipSpace(body, 0)
	for {
		// A value starts at i.
		if i >= len(body) {
			return false, false
		}
		switch c := body[i]; {
		case c == '{' || c == '[':
			if depth == MaxJSONDepth {
				return false, true
			}
			open[depth] = c
			depth++
			i = skipSpace(body, i+1)
			if i < len(body) && body[i] == closingBracket(c) {
				depth--
				i++
				break
			}
			if c == '{' {
				if i = scanJSONKey(body, i); i < 0 {
					return false, false
				}
			}
			continue // the first member's or element's value
		case c == '"':
			i = scanJSONString(body, i)
		case c == '-' || (c >= '0' && c <= '9'):
			i = numberEnd(body, i)
		case c == 't':
			i = scanJSONWord(body, i, "true")
		case c == 'f':
			i = scanJSONWord(body, i, "false")
		case c == 'n':
			i = scanJSONWord(body, i, "null")
		default:
			return false, false
		}
		if i < 0 {
			return false, false
		}
		// A value ended at i: close containers until one goes on.
		for {
			i = skipSpace(body, i)
			if depth == 0 {
				return i == len(body), false
			}
			if i >= len(body) {
				return false, false
			}
			c := body[i]
			if c == ',' {
				i = skipSpace(body, i+1)
				if open[depth-1] == '{' {
					if i = scanJSONKey(body, i); i < 0 {
						return false, false
					}
				}
				break
			}
			if c != closingBracket(open[depth-1]) {
				return false, false
			}
			depth--
			i++
		}
	}
}

func closingBracket(open byte) byte {
	if open == '{' {
		return '}'
	}
	return ']'
}

// scanJSONKey reads `"key" :` and the space after it; -1 if it is not one.
func scanJSONKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = scanJSONString(b, i); i < 0 {
		return -1
	}
	if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipSpace(b, i+1)
}

// scanJSONString reads the string whose quote is at i and returns the index
// after it, or -1. Like json.Valid it checks escapes and control
// characters, not UTF-8 (the webhook handler checks that first).
func scanJSONString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func scanJSONWord(b []byte, i int, word string) int {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}
