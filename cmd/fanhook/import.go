package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/fanhook/fanhook/models"
	fansync "github.com/fanhook/fanhook/sync"
)

// importBatch is how many lines go to the database in one transaction.
const importBatch = 1000

// importRecord is one line of an import file.
type importRecord struct {
	Provider   string          `json:"provider"`
	ReceivedAt string          `json:"received_at"`
	Headers    json.RawMessage `json:"headers"`
	Body       json.RawMessage `json:"body"`
}

// importStats counts what an import did.
type importStats struct {
	lines, inserted, duplicates, bad, normalized int
}

// runImport is `fanhook import FILE`: store every good line as a delivery
// (deduplicated like webhooks), then normalize everything pending. A bad
// line is reported with its number and skipped; the exit status is then 1.
func runImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("import", "FILE   (JSON lines; - reads stdin)", stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	in, size := stdin, int64(-1)
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "fanhook import: %v\n", err)
			return 1
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		in = f
	}
	c, code := openCommand(ctx, "import", stderr)
	if c == nil {
		return code
	}
	defer c.Close()
	defer lessFrequentGC()()
	ctx, cancel := interruptible(ctx)
	defer cancel()

	imp := &importer{store: c.store, stderr: stderr, tty: isTerminal(stderr)}
	// The worker normalizes while the file is stored. PostgreSQL does the
	// two on separate connections; on SQLite they take turns on the one
	// writer, but reading lines and parsing the worker's next batch run
	// on the other core meanwhile: 200,000 lines took 48.0 / 46.9 s
	// instead of 51.4 / 52.4 s storing everything first.
	alongside := startNormalizer(ctx, imp.store, c.log)
	err := imp.read(ctx, in, size)
	imp.stats.normalized += alongside.stop()
	if err == nil {
		err = imp.normalize(ctx, c)
	}
	st := imp.stats
	fmt.Fprintf(stdout, "imported %d %s: %d new, %d %s, %d bad; normalized %d\n",
		st.lines, plural(st.lines, "line", "lines"), st.inserted, st.duplicates,
		plural(st.duplicates, "duplicate", "duplicates"), st.bad, st.normalized)
	if err != nil {
		fmt.Fprintf(stderr, "fanhook import: %v\n", err)
		return 1
	}
	if st.bad > 0 {
		return 1
	}
	return 0
}

// importGCPercent lets an import's heap grow to five times what is live
// before the garbage collector runs, against Go's default of twice. The
// collector's work otherwise lands on the worker that holds the writer
// (or PostgreSQL's model lock) as allocation assists. On 200,000 lines,
// alternated: SQLite 64.7 / 59.7 s against 70.1 / 68.2 s, with 204 MB
// peak RSS against 115 MB; PostgreSQL 51.1 / 52.0 s against 60.0 / 52.5
// s, a quarter less CPU. No memory target binds a one-off import, while
// `serve`'s does (its GOGC stays Go's).
const importGCPercent = 400

// lessFrequentGC applies importGCPercent unless GOGC is set, and returns
// what restores the setting (for tests running the CLI in-process).
func lessFrequentGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(importGCPercent)
	return func() { debug.SetGCPercent(old) }
}

type importer struct {
	store  *models.Store
	stderr io.Writer
	tty    bool
	bar    *progressbar.ProgressBar
	stats  importStats
	batch  []*models.Delivery
}

// read stores the file's deliveries, importBatch lines per transaction.
func (imp *importer) read(ctx context.Context, in io.Reader, size int64) error {
	if imp.tty {
		imp.bar = progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(imp.stderr),
			progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(imp.stderr) }))
	}
	r := bufio.NewReaderSize(in, 1<<20)
	lineNo := 0
	for {
		line, readErr := r.ReadBytes('\n')
		if readErr != nil && !errors.Is(readErr, io.EOF) {
			return fmt.Errorf("read: %w", readErr)
		}
		if len(line) > 0 {
			lineNo++
			if imp.bar != nil {
				imp.bar.Add(len(line))
			}
			if len(bytes.TrimSpace(line)) > 0 {
				imp.stats.lines++
				d, err := parseImportLine(line)
				if err != nil {
					imp.reportBad(lineNo, err)
				} else {
					imp.batch = append(imp.batch, d)
				}
			}
		}
		if len(imp.batch) >= importBatch || (readErr != nil && len(imp.batch) > 0) {
			if err := imp.flush(ctx); err != nil {
				return err
			}
		}
		if readErr != nil {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if imp.bar != nil {
		imp.bar.Finish()
	}
	return nil
}

func (imp *importer) flush(ctx context.Context) error {
	n, err := fansync.ImportDeliveries(ctx, imp.store, imp.batch)
	if err != nil {
		return fmt.Errorf("store deliveries: %w", err)
	}
	imp.stats.inserted += n
	imp.stats.duplicates += len(imp.batch) - n
	imp.batch = imp.batch[:0]
	return nil
}

func (imp *importer) reportBad(lineNo int, err error) {
	imp.stats.bad++
	if imp.bar != nil {
		imp.bar.Clear()
	}
	fmt.Fprintf(imp.stderr, "fanhook import: line %d: %v (skipped)\n", lineNo, err)
}

// normalize applies every pending delivery, with a second bar on a terminal.
func (imp *importer) normalize(ctx context.Context, c *command) error {
	var bar *progressbar.ProgressBar
	if imp.tty {
		pending, err := fansync.PendingCount(ctx, imp.store)
		if err != nil {
			return err
		}
		bar = progressbar.NewOptions64(pending,
			progressbar.OptionSetWriter(imp.stderr),
			progressbar.OptionSetDescription("normalizing"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(imp.stderr) }))
		defer bar.Finish()
	}
	n, err := importWorker(imp.store, c.log, func() {
		if bar != nil {
			bar.Add(1)
		}
	}).Drain(ctx)
	imp.stats.normalized += n
	if err != nil {
		return fmt.Errorf("normalize: %w", err)
	}
	return nil
}

func importWorker(store *models.Store, log zerolog.Logger, done func()) *fansync.Worker {
	return fansync.NewWorker(store, log, fansync.WorkerOptions{
		// Batches of 500, not 1,000: as fast on 200,000 lines and ~15 MB
		// less resident.
		BatchSize: importBatch / 2,
		// No webhook waits on this process's connection: long transactions
		// spread each batch's fixed cost over more deliveries.
		MaxBatchTime: 500 * time.Millisecond,
		ParseAhead:   true,
		OnDone:       func(string, string) { done() },
	})
}

// normalizer runs a worker while the file is still being stored.
type normalizer struct {
	cancel context.CancelFunc
	done   chan struct{}
	count  atomic.Int64
}

func startNormalizer(ctx context.Context, store *models.Store, log zerolog.Logger) *normalizer {
	n := &normalizer{done: make(chan struct{})}
	runCtx, cancel := context.WithCancel(ctx)
	n.cancel = cancel
	w := importWorker(store, log, func() { n.count.Add(1) })
	go func() {
		defer close(n.done)
		w.Run(runCtx)
	}()
	return n
}

// stop lets the batches in progress finish and returns how many
// deliveries the worker normalized.
func (n *normalizer) stop() int {
	n.cancel()
	<-n.done
	return int(n.count.Load())
}

// parseImportLine turns one JSON line into a delivery. The body is kept as
// the exact bytes of the JSON value in the file, as a webhook's raw body is.
func parseImportLine(line []byte) (*models.Delivery, error) {
	var rec importRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", jsonErrorText(err))
	}
	if !isProvider(rec.Provider) {
		return nil, fmt.Errorf("provider %q is not one of %s", rec.Provider, strings.Join(models.Providers, ", "))
	}
	if rec.ReceivedAt == "" {
		return nil, errors.New("received_at is missing")
	}
	receivedAt, err := fansync.ParseTime(rec.ReceivedAt)
	if err != nil {
		return nil, fmt.Errorf("received_at %q is not a time (RFC 3339)", rec.ReceivedAt)
	}
	body := bytes.TrimSpace(rec.Body)
	if len(body) == 0 || body[0] != '{' {
		return nil, errors.New("body is not a JSON object")
	}
	if !utf8.Valid(body) {
		return nil, errors.New("body is not valid UTF-8")
	}
	headers, err := importHeaders(rec.Headers)
	if err != nil {
		return nil, err
	}
	return &models.Delivery{
		Provider:   rec.Provider,
		Body:       append([]byte(nil), body...),
		Headers:    headers,
		ReceivedAt: receivedAt.UTC(),
	}, nil
}

// importHeaders stores a line's headers like a webhook's: canonical names,
// secrets masked.
func importHeaders(raw json.RawMessage) (string, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return "{}", nil
	}
	var in map[string]any
	if err := json.Unmarshal(raw, &in); err != nil {
		return "", errors.New("headers is not a JSON object")
	}
	out := make(map[string]string, len(in))
	for name, v := range in {
		var value string
		switch v := v.(type) {
		case string:
			value = v
		case []any:
			parts := make([]string, 0, len(v))
			for _, p := range v {
				s, ok := p.(string)
				if !ok {
					return "", fmt.Errorf("header %q is not a string or a list of strings", name)
				}
				parts = append(parts, s)
			}
			value = strings.Join(parts, ", ")
		default:
			return "", fmt.Errorf("header %q is not a string or a list of strings", name)
		}
		name = http.CanonicalHeaderKey(name)
		out[name] = maskHeader(name, value)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("headers: %w", err)
	}
	return string(b), nil
}

// maskHeader hides credentials, keeping an Authorization header's scheme.
func maskHeader(name, value string) string {
	lower := strings.ToLower(name)
	switch {
	case lower == "authorization":
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return scheme + " ***"
		}
		return "***"
	case strings.Contains(lower, "signature"), strings.Contains(lower, "token"),
		strings.Contains(lower, "secret"), lower == "cookie":
		return "***"
	}
	return value
}

// jsonErrorText describes a JSON syntax error without quoting the line,
// which may hold personal data.
func jsonErrorText(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field != "" {
			return fmt.Sprintf("field %s has the wrong type", typ.Field)
		}
		return "expected an object"
	}
	return "invalid JSON"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
