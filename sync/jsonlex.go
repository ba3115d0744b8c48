package sync

// The pieces of JSON's grammar that the body scanner (jsonscan.go), the
// tree decoder (jsontree.go) and the key walk (topkeys.go) share. They
// read a string or a byte slice alike: the decoder walks one string of the
// body, the others its bytes.

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace[T ~string | ~[]byte](b T, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// numberEnd returns the index just past the JSON number starting at b[i],
// or -1 if none starts there.
func numberEnd[T ~string | ~[]byte](b T, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if i = digitsEnd(b, i); i < 0 {
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i = digitsEnd(b, i+1); i < 0 {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i = digitsEnd(b, i); i < 0 {
			return -1
		}
	}
	return i
}

// digitsEnd returns the index past one or more digits at b[i], or -1.
func digitsEnd[T ~string | ~[]byte](b T, i int) int {
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == start {
		return -1
	}
	return i
}
