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

// importBatch is how many lines go to the database in one transaction on
// PostgreSQL, and importBatchSQLite on SQLite. SQLite writes every page a
// transaction changed to the WAL at its commit, and the indexes keyed by
// fan and by external id take inserts all over: a larger transaction
// writes each of their pages once for more deliveries. On 200,000 lines,
// SQLite took 33.1 s in transactions of 5,000 against 41.4 s of 1,000
// (2,500: 36.3 s; 10,000: 34.2 s and 1.2 GB resident against 0.5);
// PostgreSQL took 36.0 s of 1,000 against 47.5 s of 5,000 and 49.8 of 500.
const (
	importBatch       = 1000
	importBatchSQLite = 5000
)

// importCheckpointPages is the SQLite writer's wal_autocheckpoint during an
// import, against serve's models.WriterCheckpointPages. Each import
// transaction commits more than serve's threshold, so its writer copied the
// WAL into the file after every commit while the next batch waited; with
// 50,000 pages (200 MB) the checkpointer copies most of it beside the
// writer. 200,000 lines, alternated: 31.8 / 30.8 s against 34.3 / 37.3 s,
// commits 1.5 s in all against 5.0; 1,000,000 lines 208.0 / 206.8 s
// against 224.5 / 231.1 s, the -wal file at most 299-305 MB. Beside another
// process the import goes back to serve's threshold at once
// (sync/import_shared.go), so that webhooks do not wait on it.
const importCheckpointPages = 50_000

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
// (deduplicated like webhooks) and apply the new ones as they are stored,
// then normalize whatever else is pending (a duplicate of a delivery
// stored but not applied yet). A bad line is reported with its number and
// skipped; the exit status is then 1.
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

	// Only where the import can tell that a serve opens the file: SQLite's
	// data_version alone tells it too late (sync/import_shared.go).
	if c.store.SeesOtherStores() {
		if err := c.store.SetWriterCheckpointPages(ctx, importCheckpointPages); err != nil {
			fmt.Fprintf(stderr, "fanhook import: %v\n", err)
			return 1
		}
		defer c.store.SetWriterCheckpointPages(context.WithoutCancel(ctx), models.WriterCheckpointPages)
	}
	imp := &importer{store: c.store, stderr: stderr, tty: isTerminal(stderr), batchSize: importBatch}
	if c.store.Dialect == models.DialectSQLite {
		imp.batchSize = importBatchSQLite
	}
	err := imp.storeAndApply(ctx, in, size, c.log)
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
// s, a quarter less CPU.
//
// importMemoryLimit then caps the heap: SQLite's transactions of 5,000
// (importBatchSQLite) hold ~100 MB live at their peak, which GOGC=400 let
// grow to ~500 MB resident. With this limit, 200,000 lines took 40.5 /
// 41.2 / 36.2 / 36.8 s and 320 MB against 36.9 / 37.1 / 35.3 s and 490 MB,
// alternated (300 MiB: 350 MB; 200 MiB: 261 MB and slower). `serve`'s
// settings stay Go's.
const (
	importGCPercent   = 400
	importMemoryLimit = 256 << 20
)

// lessFrequentGC applies importGCPercent and importMemoryLimit unless GOGC
// or GOMEMLIMIT is set, and returns what restores the settings (for tests
// running the CLI in-process).
func lessFrequentGC() (restore func()) {
	oldPercent, oldLimit := -2, int64(-1)
	if os.Getenv("GOGC") == "" {
		oldPercent = debug.SetGCPercent(importGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		oldLimit = debug.SetMemoryLimit(importMemoryLimit)
	}
	return func() {
		if oldPercent != -2 {
			debug.SetGCPercent(oldPercent)
		}
		if oldLimit >= 0 {
			debug.SetMemoryLimit(oldLimit)
		}
	}
}

type importer struct {
	store     *models.Store
	stderr    io.Writer
	tty       bool
	batchSize int
	bar       *progressbar.ProgressBar
	stats     importStats
	// committedLine is the number of the last line committed.
	committedLine int
}

// storeAndApply stores the file's deliveries and applies the new ones,
// batchSize lines per transaction (fansync.StoreAndApply). One goroutine
// reads, prepares and parses the next batch while this one applies the
// last: the transaction keeps one core busy, and the other does the rest.
// 200,000 lines took 41.4 s on SQLite and 37.5 / 43.7 s on PostgreSQL,
// against 49.2 and 43.1 / 51.1 s storing them as pending beside a worker
// that applied them (in transactions of 1,000).
func (imp *importer) storeAndApply(parent context.Context, in io.Reader, size int64, log zerolog.Logger) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	if imp.tty {
		imp.bar = progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(imp.stderr),
			progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(imp.stderr) }))
		// Its clock starts now, not at the first commit: its first rate
		// was that batch's bytes over a microsecond (1.2 TB/s).
		imp.bar.StartWithoutRender()
		imp.bar.RenderBlank()
	}
	chunks := make(chan importChunk)
	var readErr error
	go func() {
		defer close(chunks)
		readErr = imp.read(ctx, in, func(ds []*models.Delivery, c importChunk) bool {
			if len(ds) > 0 {
				c.batch = fansync.PrepareImport(ds)
			}
			select {
			case chunks <- c:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	var normalized atomic.Int64
	w := importWorker(imp.store, log, func() { normalized.Add(1) })
	var applyErr error
	// The loop stops at an interrupt without waiting for the reader, which
	// may be blocked reading a pipe that stays open.
	for readerDone := false; !readerDone && applyErr == nil && ctx.Err() == nil; {
		select {
		case c, ok := <-chunks:
			if !ok {
				readerDone = true
				continue
			}
			applyErr = imp.commit(ctx, w, c)
		case <-ctx.Done():
		}
	}
	imp.stats.normalized += int(normalized.Load())
	if parent.Err() != nil {
		return fmt.Errorf("interrupted after line %d: the lines after it were not stored; "+
			"import the file again to store them (the stored ones are skipped as duplicates)", imp.committedLine)
	}
	if applyErr != nil {
		return applyErr // the deferred cancel stops the reader
	}
	if readErr == nil && imp.bar != nil {
		imp.bar.Finish()
	}
	return readErr
}

// commit stores and applies a chunk's batch, then counts its lines as
// stored.
func (imp *importer) commit(ctx context.Context, w *fansync.Worker, c importChunk) error {
	if c.batch != nil {
		n, err := w.StoreAndApply(ctx, c.batch)
		if err != nil {
			return fmt.Errorf("store deliveries: %w", err)
		}
		imp.stats.inserted += n
		imp.stats.duplicates += c.batch.Len() - n
	}
	imp.stats.lines += c.lines
	imp.stats.bad += c.bad
	imp.committedLine = c.lastLine
	if imp.bar != nil {
		imp.bar.Add(c.size) // the bar shows what is committed
	}
	return nil
}

// importChunk is what the reader hands on: a batch (nil when the last
// lines were all bad or blank), and the bytes and lines of the file it
// covers. They are counted once the batch is committed, so that an
// interrupted import reports what it stored.
type importChunk struct {
	batch      *fansync.ImportBatch
	size       int
	lines, bad int // lines that are not blank, and bad ones among them
	lastLine   int // the number of the chunk's last line
}

// read parses the file's lines and hands them on batchSize at a time,
// with the bytes they took; it stops when send returns false.
func (imp *importer) read(ctx context.Context, in io.Reader, send func(ds []*models.Delivery, c importChunk) bool) error {
	r := bufio.NewReaderSize(in, 1<<20)
	lineNo := 0
	var chunk importChunk
	var batch []*models.Delivery
	for {
		line, readErr := r.ReadBytes('\n')
		if readErr != nil && !errors.Is(readErr, io.EOF) {
			return fmt.Errorf("read: %w", readErr)
		}
		if len(line) > 0 {
			lineNo++
			chunk.size += len(line)
			chunk.lastLine = lineNo
			if lineNo == 1 {
				// Editors on Windows start a UTF-8 file with a byte order mark.
				line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
			}
			if len(bytes.TrimSpace(line)) > 0 {
				chunk.lines++
				d, err := parseImportLine(line)
				if err != nil {
					chunk.bad++
					imp.reportBad(lineNo, err)
				} else {
					batch = append(batch, d)
				}
			}
		}
		if len(batch) >= imp.batchSize || (readErr != nil && chunk.size > 0) {
			if !send(batch, chunk) {
				return ctx.Err()
			}
			batch, chunk = nil, importChunk{}
		}
		if readErr != nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

func (imp *importer) reportBad(lineNo int, err error) {
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
