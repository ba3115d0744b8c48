package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// importLine is one line of `fanhook import`'s input.
type importLine struct {
	Provider   string          `json:"provider"`
	ReceivedAt string          `json:"received_at"`
	Body       json.RawMessage `json:"body"`
}

// writeImportFile writes n generated deliveries (the same mix, fans and
// events as a load run) as JSON lines for `fanhook import`, so an import
// can be measured on realistic data: `--import-file deliveries.jsonl
// --requests 1000000`.
func writeImportFile(path string, n int64, sp loadSpec) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	g := newGenerator(sp.pool, sp.seed, 0, sp.weights, sp.tokens[provTikkl])
	at := time.Now().UTC()
	for i := range n {
		r := g.next()
		line := importLine{Provider: providerNames[r.provider],
			ReceivedAt: at.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano), Body: r.body}
		if err := enc.Encode(line); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
