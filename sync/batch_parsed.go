package sync

import "bytes"

// A transaction that webhooks cut short leaves most of its claimed
// deliveries for the next one. Their parsed facts are kept, so the next
// transaction does not parse them again (parsing is a third of a
// delivery's cost). A delivery is reused only if its body is byte for byte
// the one parsed; purged or erased bodies are claimed as such and skipped.

// maxParsedKept bounds the parsed deliveries a worker keeps.
const maxParsedKept = 2048

// parseBatch parses the claimed deliveries, reusing earlier parses.
func (w *Worker) parseBatch(batch []claimedDelivery) []parsedDelivery {
	parsed := make([]parsedDelivery, len(batch))
	reused := make([]bool, len(batch))
	var fresh []parsedDelivery
	w.parsedMu.Lock()
	for i, d := range batch {
		if p, ok := w.parsed[d.ID]; ok && d.PurgedAt == nil && d.Body != nil && bytes.Equal(p.d.Body, d.Body) {
			p.d = d
			parsed[i], reused[i] = p, true
		}
	}
	w.parsedMu.Unlock()
	for i, d := range batch { // outside the lock: the other worker may parse too
		if !reused[i] {
			parsed[i] = parseClaimed(d)
			fresh = append(fresh, parsed[i])
		}
	}
	w.parsedMu.Lock()
	if len(w.parsed)+len(fresh) > maxParsedKept {
		clear(w.parsed)
	}
	for _, p := range fresh {
		if !p.skip {
			w.parsed[p.d.ID] = p
		}
	}
	w.parsedMu.Unlock()
	return parsed
}

// forgetParsed drops the deliveries a committed transaction applied.
func (w *Worker) forgetParsed(outcomes []outcome) {
	w.parsedMu.Lock()
	for _, o := range outcomes {
		delete(w.parsed, o.d.ID)
	}
	w.parsedMu.Unlock()
}
