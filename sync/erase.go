package sync

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
)

// ErrFanNotFound is returned by EraseFan for an id no fan has.
var ErrFanNotFound = errors.New("fan not found")

// erasedMark replaces personal data inside text that stays (errors, headers).
const erasedMark = "[erased]"

// EraseFan removes a fan's personal data from every table and raw body, in
// one transaction, and records suppressions so that a replay or redelivery
// of a delivery older than at does not bring the person back.
//
// What goes: the profile columns of the fan and of every fan merged into it,
// their identities, the fields of their form entries, the detail of their
// consent changes, and the raw body of every delivery that named them (set
// NULL with purged_at, as retention purging does: a scrubbed copy of a body
// would still be replayable, and a half-erased record could resolve to
// someone). Bodies of deliveries not yet linked to the fan (failed, ignored,
// pending) that contain the fan's email, phone or a long provider id go too;
// a pending one is normalized first, so its other facts are not lost.
// What stays: the fan row itself (no personal data, erased_at set), its
// tickets, orders, scans and the consent ledger's statuses and times, so
// sales and attendance still add up.
//
// If fanID was merged into another fan, that fan (the person) is erased.
func EraseFan(ctx context.Context, store *models.Store, fanID int64, at time.Time) error {
	at = at.UTC()
	if err := applyPendingNaming(ctx, store, fanID, at); err != nil {
		return err
	}
	// On PostgreSQL the erasure takes the model lock and then scrubs rows a
	// worker may hold: a pending delivery naming the fan that arrived
	// meanwhile, whose worker waits for the model lock. PostgreSQL ends one
	// of the two with a deadlock; the worker retries its batch, and the
	// erasure is tried again here.
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		if err = eraseFanOnce(ctx, store, fanID, at); err == nil || !isDeadlock(err) {
			return err
		}
	}
	return err
}

// isDeadlock tells a transaction PostgreSQL ended to break a deadlock.
func isDeadlock(err error) bool {
	return strings.Contains(err.Error(), "SQLSTATE 40P01")
}

func eraseFanOnce(ctx context.Context, store *models.Store, fanID int64, at time.Time) error {
	tx, err := beginSQLTx(ctx, store)
	if err != nil {
		return fmt.Errorf("erase fan %d: begin: %w", fanID, err)
	}
	defer tx.tx.Rollback()
	if err := lockModel(tx); err != nil {
		return fmt.Errorf("erase fan %d: %w", fanID, err)
	}
	root, ids, idents, err := eraseTargets(tx, fanID)
	if err != nil {
		return err
	}
	needles := eraseNeedles(idents)
	for _, id := range idents {
		_, err := tx.exec(`INSERT INTO suppressions (kind, value_hash, erased_at) VALUES (?, ?, ?)
			ON CONFLICT (kind, value_hash) DO UPDATE SET erased_at = excluded.erased_at
			WHERE suppressions.erased_at < excluded.erased_at`,
			id.Kind, models.SuppressionHash(id.Kind, id.Value), at)
		if err != nil {
			return fmt.Errorf("erase fan %d: record suppression: %w", root, err)
		}
	}
	if err := scrubDeliveries(tx, ids, needles, at); err != nil {
		return fmt.Errorf("erase fan %d: %w", root, err)
	}
	in, args := inList(ids)
	steps := []struct{ what, sql string }{
		{"identities", `DELETE FROM fan_identities WHERE fan_id IN ` + in},
		{"form entries", `UPDATE form_entries SET fields_json = '{}' WHERE fan_id IN ` + in},
		{"consent details", `UPDATE consent_changes SET detail = '{}' WHERE fan_id IN ` + in},
	}
	for _, s := range steps {
		if _, err := tx.exec(s.sql, args...); err != nil {
			return fmt.Errorf("erase fan %d: %s: %w", root, s.what, err)
		}
	}
	_, err = tx.exec(`UPDATE fans SET email = NULL, phone = NULL, first_name = NULL, last_name = NULL,
		full_name = NULL, date_of_birth = NULL, gender = NULL, postcode = NULL, country = NULL,
		language = NULL, search_name = '', search_name_rev = '', field_times = '{}',
		erased_at = ?, updated_at = ? WHERE id IN `+in, append([]any{at, at}, args...)...)
	if err != nil {
		return fmt.Errorf("erase fan %d: profile: %w", root, err)
	}
	if err := tx.tx.Commit(); err != nil {
		return fmt.Errorf("erase fan %d: commit: %w", root, err)
	}
	// The pages as they were before the erasure stay in SQLite's WAL until
	// it starts over. The erasure is done; this only hastens that.
	_ = store.EmptyWAL(ctx)
	return nil
}

// eraseTargets resolves fanID to the person: the live fan, every fan merged
// into it, and all their identifiers.
func eraseTargets(tx *sqlTx, fanID int64) (root int64, ids []int64, idents []Identity, err error) {
	if root, err = liveFan(tx, fanID); err != nil {
		return 0, nil, nil, err
	}
	if ids, err = mergedFamily(tx, root); err != nil {
		return 0, nil, nil, err
	}
	idents, err = fanIdentifiers(tx, ids)
	return root, ids, idents, err
}

// inList is "(?, ?, …)" for ids, with the ids as arguments.
func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}

// queryIDs runs a query of one integer column.
func queryIDs(tx *sqlTx, q string, args ...any) ([]int64, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// liveFan follows merged_into from id to the fan that holds the person now.
func liveFan(tx *sqlTx, id int64) (int64, error) {
	for range 64 {
		var into sql.NullInt64
		err := tx.scanRow("SELECT merged_into FROM fans WHERE id = ?", []any{id}, &into)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("erase fan %d: %w", id, ErrFanNotFound)
		}
		if err != nil {
			return 0, fmt.Errorf("erase fan %d: %w", id, err)
		}
		if !into.Valid {
			return id, nil
		}
		id = into.Int64
	}
	return 0, fmt.Errorf("erase fan %d: merge chain too long", id)
}

// mergedFamily is root and every fan merged into it, directly or not.
func mergedFamily(tx *sqlTx, root int64) ([]int64, error) {
	ids := []int64{root}
	seen := map[int64]bool{root: true}
	for frontier := []int64{root}; len(frontier) > 0; {
		in, args := inList(frontier)
		next, err := queryIDs(tx, "SELECT id FROM fans WHERE merged_into IN "+in, args...)
		if err != nil {
			return nil, fmt.Errorf("erase fan %d: merged fans: %w", root, err)
		}
		frontier = nil
		for _, id := range next {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
				frontier = append(frontier, id)
			}
		}
	}
	return ids, nil
}

// fanIdentifiers are the identities of the fans plus their profile email
// and phone, deduplicated.
func fanIdentifiers(tx *sqlTx, ids []int64) ([]Identity, error) {
	in, args := inList(ids)
	rows, err := tx.query(`SELECT kind, value FROM fan_identities WHERE fan_id IN `+in+`
		UNION SELECT 'email', email FROM fans WHERE id IN `+in+` AND email IS NOT NULL AND email <> ''
		UNION SELECT 'phone', phone FROM fans WHERE id IN `+in+` AND phone IS NOT NULL AND phone <> ''`,
		append(append(append([]any{}, args...), args...), args...)...)
	if err != nil {
		return nil, fmt.Errorf("erase fan: identifiers: %w", err)
	}
	defer rows.Close()
	var out []Identity
	for rows.Next() {
		var id Identity
		if err := rows.Scan(&id.Kind, &id.Value); err != nil {
			return nil, fmt.Errorf("erase fan: identifiers: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// eraseNeedles are the lower-cased strings whose presence in a raw body
// means it names the fan: email and phone as sent (also URL-encoded, as in
// Tradable Bits forms) and provider ids long enough not to match by chance.
func eraseNeedles(idents []Identity) [][]byte {
	var out [][]byte
	add := func(s string) {
		if s = strings.ToLower(s); len(s) >= 6 {
			out = append(out, []byte(s))
		}
	}
	for _, id := range idents {
		switch id.Kind {
		case identityEmail:
			add(id.Value)
			add(url.QueryEscape(id.Value))
		case identityPhone:
			add(id.Value)
			add(strings.TrimPrefix(id.Value, "+"))
		default:
			if len(id.Value) >= 12 {
				add(id.Value)
			}
		}
	}
	return out
}

func namesFan(body []byte, needles [][]byte) bool {
	if len(body) == 0 || len(needles) == 0 {
		return false
	}
	lower := bytes.ToLower(body)
	for _, n := range needles {
		if bytes.Contains(lower, n) {
			return true
		}
	}
	return false
}

// applyPendingNaming normalizes, first, the pending deliveries that name the
// fan, so that their other facts (sales, scans) land before the body goes
// and the fan link exists for scrubDeliveries. One still pending when the
// erasure runs (just arrived) is scrubbed and marked ignored.
func applyPendingNaming(ctx context.Context, store *models.Store, fanID int64, at time.Time) error {
	tx, err := beginSQLTx(ctx, store)
	if err != nil {
		return fmt.Errorf("erase fan %d: begin: %w", fanID, err)
	}
	_, _, idents, err := eraseTargets(tx, fanID)
	var naming []int64
	if err == nil {
		naming, err = pendingNaming(tx, eraseNeedles(idents))
	}
	tx.tx.Rollback()
	if err != nil {
		return err
	}
	w := NewWorker(store, zerolog.Nop(), WorkerOptions{Now: func() time.Time { return at }})
	for _, id := range naming {
		if _, err := w.Replay(ctx, ReplayFilter{ID: id, Status: models.StatusPending}); err != nil {
			return fmt.Errorf("erase fan %d: apply pending delivery %d: %w", fanID, id, err)
		}
	}
	return nil
}

func pendingNaming(tx *sqlTx, needles [][]byte) ([]int64, error) {
	rows, err := tx.query(`SELECT id, body FROM deliveries WHERE status = 'pending' AND body IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("erase fan: pending deliveries: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return nil, fmt.Errorf("erase fan: pending deliveries: %w", err)
		}
		if namesFan(body, needles) {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

// scrubDeliveries drops the raw body of every delivery linked to the fans or
// naming them, and strips their identifiers from the error and headers.
func scrubDeliveries(tx *sqlTx, ids []int64, needles [][]byte, at time.Time) error {
	in, args := inList(ids)
	linked, err := queryIDs(tx, `SELECT delivery_id FROM fan_deliveries WHERE fan_id IN `+in+`
		UNION SELECT delivery_id FROM form_entries WHERE fan_id IN `+in+` AND delivery_id IS NOT NULL
		UNION SELECT delivery_id FROM consent_changes WHERE fan_id IN `+in+` AND delivery_id IS NOT NULL`,
		append(append(append([]any{}, args...), args...), args...)...)
	if err != nil {
		return fmt.Errorf("linked deliveries: %w", err)
	}
	targets := map[int64]bool{}
	for _, id := range linked {
		targets[id] = true
	}
	// Deliveries never applied to the fan can still name them.
	var after int64
	for {
		rows, err := tx.query(`SELECT id, body FROM deliveries WHERE status IN ('failed', 'ignored', 'pending')
			AND body IS NOT NULL AND id > ? ORDER BY id LIMIT 500`, after)
		if err != nil {
			return fmt.Errorf("scan deliveries: %w", err)
		}
		n := 0
		for rows.Next() {
			var body []byte
			if err := rows.Scan(&after, &body); err != nil {
				rows.Close()
				return fmt.Errorf("scan deliveries: %w", err)
			}
			n++
			if namesFan(body, needles) {
				targets[after] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("scan deliveries: %w", err)
		}
		if n == 0 {
			break
		}
	}
	for id := range targets {
		if err := scrubDelivery(tx, id, needles, at); err != nil {
			return err
		}
	}
	return nil
}

func scrubDelivery(tx *sqlTx, id int64, needles [][]byte, at time.Time) error {
	var status, errText, headers string
	err := tx.scanRow("SELECT status, error, headers FROM deliveries WHERE id = ?", []any{id}, &status, &errText, &headers)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load delivery %d: %w", id, err)
	}
	errText = scrubText(errText, needles)
	if status == models.StatusFailed || status == models.StatusPending {
		// A body-less delivery can never be applied; leaving it failed or
		// pending would keep it in the queue and on the attention list.
		status = models.StatusIgnored
		errText = strings.TrimSpace("raw body erased with a fan before it was applied. " + errText)
	}
	_, err = tx.exec(`UPDATE deliveries SET body = NULL, purged_at = ?, status = ?, error = ?, headers = ?
		WHERE id = ?`, at, status, errText, scrubHeaders(headers, needles), id)
	if err != nil {
		return fmt.Errorf("scrub delivery %d: %w", id, err)
	}
	return nil
}

// scrubText replaces every needle in s, whatever its case, with the mark.
func scrubText(s string, needles [][]byte) string {
	for _, n := range needles {
		re := regexp.MustCompile("(?i)" + regexp.QuoteMeta(string(n)))
		s = re.ReplaceAllString(s, erasedMark)
	}
	return s
}

// scrubHeaders keeps the stored headers but the client-address ones and any
// value naming the fan.
func scrubHeaders(raw string, needles [][]byte) string {
	var h map[string]string
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		return "{}"
	}
	for k, v := range h {
		switch strings.ToLower(k) {
		case "x-forwarded-for", "x-real-ip":
			delete(h, k)
			continue
		}
		h[k] = scrubText(v, needles)
	}
	b, err := json.Marshal(h)
	if err != nil {
		return "{}"
	}
	return string(b)
}
