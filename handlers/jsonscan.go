package handlers

// scanJSON tells whether body is one valid JSON value, as json.Valid does,
// nested at most maxJSONDepth deep; tooDeep says it stopped at a bracket
// past that depth. It is one pass with a loop and a fixed stack, where
// json.Valid calls a state function for every byte, and jsonDepth had to
// scan the body once more. On FIXR's ticket_sold the check takes 1.4-2.2
// µs against 5.1-6.2 (BenchmarkValidateBody); it was a third of the
// handler's CPU in BenchmarkIngestEndToEnd. FuzzScanJSON holds it to
// json.Valid and jsonDepth on any input.
func scanJSON(body []byte) (ok, tooDeep bool) {
	var open [maxJSONDepth]byte // the bracket of each enclosing container
	depth := 0
	i := skipJSONSpace(body, 0)
	for {
		// A value starts at i.
		if i >= len(body) {
			return false, false
		}
		switch c := body[i]; {
		case c == '{' || c == '[':
			if depth == maxJSONDepth {
				return false, true
			}
			open[depth] = c
			depth++
			i = skipJSONSpace(body, i+1)
			if i < len(body) && body[i] == closing(c) {
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
			i = scanJSONNumber(body, i)
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
			i = skipJSONSpace(body, i)
			if depth == 0 {
				return i == len(body), false
			}
			if i >= len(body) {
				return false, false
			}
			c := body[i]
			if c == ',' {
				i = skipJSONSpace(body, i+1)
				if open[depth-1] == '{' {
					if i = scanJSONKey(body, i); i < 0 {
						return false, false
					}
				}
				break
			}
			if c != closing(open[depth-1]) {
				return false, false
			}
			depth--
			i++
		}
	}
}

func closing(open byte) byte {
	if open == '{' {
		return '}'
	}
	return ']'
}

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanJSONKey reads `"key" :` and the space after it; -1 if it is not one.
func scanJSONKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = scanJSONString(b, i); i < 0 {
		return -1
	}
	if i = skipJSONSpace(b, i); i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipJSONSpace(b, i+1)
}

// scanJSONString reads the string whose quote is at i and returns the index
// after it, or -1. Like json.Valid it checks escapes and control
// characters, not UTF-8 (validateJSONObject does that).
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

// scanJSONNumber reads a number by JSON's grammar; -1 if it is not one.
func scanJSONNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	default:
		if i = scanJSONDigits(b, i); i < 0 {
			return -1
		}
	}
	if i < len(b) && b[i] == '.' {
		if i = scanJSONDigits(b, i+1); i < 0 {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i = scanJSONDigits(b, i); i < 0 {
			return -1
		}
	}
	return i
}

// scanJSONDigits reads one or more digits; -1 if there are none.
func scanJSONDigits(b []byte, i int) int {
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == start {
		return -1
	}
	return i
}

func scanJSONWord(b []byte, i int, word string) int {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}
