package handlers

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	fansync "github.com/fanhook/fanhook/sync"
)

// utf8BOM is the byte order mark some senders put before a UTF-8 body.
var utf8BOM = []byte("\xef\xbb\xbf")

// maxJSONDepth is how deep a webhook body may nest (sync.ScanJSON checks it).
const maxJSONDepth = fansync.MaxJSONDepth

// readBody reads the whole request body, refusing (413) past max bytes while
// reading, so a chunked body without Content-Length cannot exhaust memory.
// Nothing is hashed or parsed before the limit holds.
func readBody(c echo.Context, max int64) ([]byte, error) {
	r := c.Request()
	tooLarge := newError(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("body larger than %d bytes", max), nil)
	if r.ContentLength > max {
		return nil, tooLarge
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		// ReadFrom wants MinRead bytes free before each read, the one that
		// meets the end too: without them it would copy the body into a
		// buffer twice as large.
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	// The underlying writer, not echo's wrapper: MaxBytesReader tells the
	// server through it to close the connection instead of draining the rest.
	_, err := buf.ReadFrom(http.MaxBytesReader(c.Response().Writer, r.Body, max))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		return nil, newError(http.StatusBadRequest, "could not read the body", err)
	}
	return decodeContentEncoding(r.Header.Get(echo.HeaderContentEncoding), buf.Bytes(), max, tooLarge)
}

// decodeContentEncoding undoes a gzip or deflate Content-Encoding, which a
// sender's HTTP client may add after signing the JSON: the body is then
// authenticated, checked and stored as the JSON it was. The decoded body
// answers to the same limit, so a small bomb cannot exhaust memory. Other
// encodings are left as they came (a mislabelled plain body still works).
func decodeContentEncoding(encoding string, body []byte, max int64, tooLarge error) ([]byte, error) {
	var r io.Reader
	var err error
	encoding = strings.ToLower(strings.TrimSpace(encoding))
	switch encoding {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		// HTTP's deflate is zlib-wrapped; some senders send it bare.
		if r, err = zlib.NewReader(bytes.NewReader(body)); err != nil {
			r, err = flate.NewReader(bytes.NewReader(body)), nil
		}
	default:
		return body, nil
	}
	if err != nil {
		return nil, newError(http.StatusBadRequest, "body is not valid "+encoding, err)
	}
	decoded, err := io.ReadAll(io.LimitReader(r, max+1))
	switch {
	case err != nil:
		return nil, newError(http.StatusBadRequest, "body is not valid "+encoding, err)
	case int64(len(decoded)) > max:
		return nil, tooLarge
	}
	return decoded, nil
}

// validateJSONObject accepts exactly one JSON object in valid UTF-8, nested
// at most maxJSONDepth deep, and allocates nothing, so a hostile body never
// reaches a decoder. A body both invalid and too deep is called too deep.
func validateJSONObject(body []byte) error {
	invalid := func(message string) error { return newError(http.StatusBadRequest, message, nil) }
	if !utf8.Valid(body) {
		return invalid("body is not valid UTF-8")
	}
	ok, tooDeep := fansync.ScanJSON(body)
	if tooDeep || (!ok && jsonDepth(body) > maxJSONDepth) {
		return invalid(fmt.Sprintf("body nests deeper than %d levels", maxJSONDepth))
	}
	if !ok {
		return invalid("body is not valid JSON (one JSON object expected)")
	}
	if first := bytes.TrimLeft(body, " \t\r\n"); len(first) == 0 || first[0] != '{' {
		return invalid("body must be a JSON object")
	}
	return nil
}

// jsonDepth returns the deepest nesting of objects and arrays in body,
// skipping string contents; it stops counting once past maxJSONDepth. It does
// not validate: it names the fault of a body ScanJSON refused.
func jsonDepth(body []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, b := range body {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > maxJSONDepth {
					return deepest
				}
			}
		case b == '}' || b == ']':
			depth--
		}
	}
	return deepest
}
