package sync

import (
	"fmt"
	"strings"
	"time"

	"github.com/fanhook/fanhook/models"
)

// flush writes what the batch changed, in foreign-key order, with one
// multi-row statement per table and shape where it can.
func (c *batchCache) flush(tx *sqlTx) error {
	for _, table := range flushOrder {
		if err := c.flushTable(tx, table); err != nil {
			return err
		}
		if table == "fans" {
			if err := c.flushIdentities(tx); err != nil {
				return err
			}
		}
	}
	steps := []func(*sqlTx) error{c.flushFanDeliveries, c.flushScans, c.flushConsents, c.flushForms}
	for _, step := range steps {
		if err := step(tx); err != nil {
			return err
		}
	}
	if err := c.flushMerges(tx); err != nil {
		return err
	}
	c.newIdentities, c.scans, c.consents, c.formOrder = nil, nil, nil, nil
	c.fanDeliveries = map[[2]int64]bool{}
	c.forms = map[string]formRow{}
	return nil
}

func (c *batchCache) flushTable(tx *sqlTx, table string) error {
	inserts := map[string][]*cachedRow{}
	var shapes []string
	var updates []*cachedRow
	for _, cr := range c.rows {
		if cr.r.table != table || (!cr.isNew && len(cr.dirty) == 0) {
			continue
		}
		if !cr.isNew && tx.dialect == models.DialectPostgres {
			updates = append(updates, cr)
			continue
		}
		if !cr.isNew {
			if err := c.updateRow(tx, cr); err != nil {
				return err
			}
			continue
		}
		shape := strings.Join(cr.sortedCols(), ",")
		if _, seen := inserts[shape]; !seen {
			shapes = append(shapes, shape)
		}
		inserts[shape] = append(inserts[shape], cr)
	}
	for _, shape := range shapes {
		if err := c.insertRows(tx, table, inserts[shape]); err != nil {
			return err
		}
	}
	return c.updateRows(tx, table, updates)
}

// updateRows writes changed rows on PostgreSQL, where an UPDATE per row is
// a round trip: as one multi-row INSERT of the whole cached rows that
// conflicts on id and so updates them.
func (c *batchCache) updateRows(tx *sqlTx, table string, rows []*cachedRow) error {
	if len(rows) == 0 {
		return nil
	}
	cols := stampedCols[table]
	sets := make([]string, 0, len(cols)+2)
	for _, col := range append(append([]string{}, cols...), "field_times") {
		sets = append(sets, col+" = excluded."+col)
	}
	if table != "vibes_lists" {
		sets = append(sets, "updated_at = excluded.updated_at")
	}
	err := c.writeRows(tx, table, rows, cols, "ON CONFLICT (id) DO UPDATE SET "+strings.Join(sets, ", "))
	if err != nil {
		return fmt.Errorf("update %s: %w", table, err)
	}
	return nil
}

// insertRows writes new rows of one shape.
func (c *batchCache) insertRows(tx *sqlTx, table string, rows []*cachedRow) error {
	if err := c.writeRows(tx, table, rows, rows[0].sortedCols(), ""); err != nil {
		return fmt.Errorf("insert %s: %w", table, err)
	}
	for _, cr := range rows {
		cr.isNew = false
	}
	return nil
}

// writeRows inserts rows with their id, natural key, cols, field times and
// timestamps, in multi-row statements ending with tail.
func (c *batchCache) writeRows(tx *sqlTx, table string, rows []*cachedRow, cols []string, tail string) error {
	all := append([]string{"id"}, rows[0].r.keyCols...)
	if table == "fans" {
		all = []string{"id"}
	}
	all = append(append(all, cols...), "field_times")
	if table != "vibes_lists" {
		all = append(all, "created_at", "updated_at")
	}
	now := any(c.now) // boxed once, not twice a row
	if tx.dialect == models.DialectSQLite {
		now = models.SQLiteTimeText(c.now)
	}
	values := make([][]any, len(rows))
	for i, cr := range rows {
		v := make([]any, 0, len(all))
		v = append(v, cr.id)
		if table != "fans" {
			v = append(v, cr.r.keyVals...)
		}
		for _, col := range cols {
			v = append(v, cr.values[col])
		}
		v = append(v, cr.times.String())
		if table != "vibes_lists" {
			v = append(v, now, now)
		}
		values[i] = v
		clear(cr.dirty)
	}
	return insertMany(tx, "INSERT INTO "+table+" ("+strings.Join(all, ", ")+")", tail, len(all), values)
}

func (c *batchCache) updateRow(tx *sqlTx, cr *cachedRow) error {
	cols := cr.sortedCols()
	sets := make([]string, 0, len(cols)+2)
	args := make([]any, 0, len(cols)+3)
	for _, col := range cols {
		sets = append(sets, col+" = ?")
		args = append(args, cr.values[col])
	}
	sets = append(sets, "field_times = ?")
	args = append(args, cr.times.String())
	if cr.r.table != "vibes_lists" {
		sets = append(sets, "updated_at = ?")
		args = append(args, c.now)
	}
	args = append(args, cr.id)
	if _, err := tx.exec("UPDATE "+cr.r.table+" SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...); err != nil {
		return fmt.Errorf("update %s: %w", cr.r.table, err)
	}
	cr.dirty = map[string]bool{}
	return nil
}

// insertMany writes rows of one shape in chunks, with an ON CONFLICT tail.
func insertMany(tx *sqlTx, head, tail string, width int, rows [][]any) error {
	tuple := "(" + placeholders(width) + ")"
	for start := 0; start < len(rows); start += 100 {
		chunk := rows[start:min(start+100, len(rows))]
		args := make([]any, 0, width*len(chunk))
		for _, r := range chunk {
			args = append(args, r...)
		}
		var q strings.Builder
		q.Grow(len(head) + len(" VALUES ") + len(chunk)*(len(tuple)+2) + 1 + len(tail))
		q.WriteString(head)
		q.WriteString(" VALUES ")
		for i := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(tuple)
		}
		q.WriteByte(' ')
		q.WriteString(tail)
		if _, err := tx.exec(q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func (c *batchCache) flushIdentities(tx *sqlTx) error {
	rows := make([][]any, len(c.newIdentities))
	for i, r := range c.newIdentities {
		rows[i] = []any{r.fanID, r.id.Kind, r.id.Value, r.provider, r.firstSeen}
	}
	err := insertMany(tx, "INSERT INTO fan_identities (fan_id, kind, value, provider, first_seen_at)",
		"ON CONFLICT DO NOTHING", 5, rows)
	if err != nil {
		return fmt.Errorf("attach identities: %w", err)
	}
	return nil
}

func (c *batchCache) flushFanDeliveries(tx *sqlTx) error {
	var rows [][]any
	for k := range c.fanDeliveries {
		rows = append(rows, []any{k[0], k[1]})
	}
	if err := insertMany(tx, "INSERT INTO fan_deliveries (fan_id, delivery_id)", "ON CONFLICT DO NOTHING", 2, rows); err != nil {
		return fmt.Errorf("link fans to deliveries: %w", err)
	}
	return nil
}

func (c *batchCache) flushScans(tx *sqlTx) error {
	// One statement may not update a row twice (PostgreSQL), so scans of
	// one ticket at one time are settled here first, by scanConflict's rule.
	type scanKey struct {
		ticketID int64
		at       time.Time
	}
	kept := map[scanKey]int{}
	var scans []scanRow
	for _, s := range c.scans {
		k := scanKey{s.ticketID, s.at}
		if i, seen := kept[k]; seen {
			if scanWins(s, scans[i]) {
				scans[i] = s
			}
			continue
		}
		kept[k] = len(scans)
		scans = append(scans, s)
	}
	rows := make([][]any, len(scans))
	for i, s := range scans {
		rows[i] = []any{s.ticketID, s.provider, s.at, s.peopleIn, s.status, s.deliveryID}
	}
	err := insertMany(tx, "INSERT INTO scans (ticket_id, provider, scanned_at, people_in, entry_status, delivery_id)",
		scanConflict, 6, rows)
	if err != nil {
		return fmt.Errorf("scans: %w", err)
	}
	return nil
}

func (c *batchCache) flushConsents(tx *sqlTx) error {
	rows := make([][]any, len(c.consents))
	for i, r := range c.consents {
		rows[i] = []any{r.fanID, r.topic, r.status, r.provider, r.source, r.deliveryID, r.detail, r.at}
	}
	err := insertMany(tx, "INSERT INTO consent_changes (fan_id, topic, status, provider, source, delivery_id, detail, changed_at)",
		"", 8, rows)
	if err != nil {
		return fmt.Errorf("consents: %w", err)
	}
	return nil
}

func (c *batchCache) flushForms(tx *sqlTx) error {
	rows := make([][]any, len(c.formOrder))
	for i, k := range c.formOrder {
		f := c.forms[k]
		rows[i] = []any{f.provider, f.activityID, f.fanID, f.fields, f.duration, f.receivedAt, f.deliveryID}
	}
	err := insertMany(tx, "INSERT INTO form_entries (provider, activity_id, fan_id, fields_json, duration_ms, received_at, delivery_id)",
		`ON CONFLICT (provider, activity_id) DO UPDATE SET
			fan_id = COALESCE(excluded.fan_id, form_entries.fan_id), fields_json = excluded.fields_json,
			duration_ms = excluded.duration_ms, received_at = excluded.received_at, delivery_id = excluded.delivery_id`, 7, rows)
	if err != nil {
		return fmt.Errorf("form entries: %w", err)
	}
	return nil
}
