package sync

import (
	"fmt"
	"time"
)

// profileCols are the fan columns merged by the field-time rule.
var profileCols = []string{"email", "phone", "first_name", "last_name", "full_name",
	"date_of_birth", "gender", "postcode", "country", "language"}

// mergeFans folds fan from into fan into: every row that pointed at from
// points at into, the profiles combine field by field (newest fact wins), and
// from stays as a tombstone with merged_into set. The merge is recorded.
func (a *applier) mergeFans(from, into int64) error {
	if from == into {
		return nil
	}
	// The merge rewrites rows across tables in SQL: a batch's cached rows
	// are written first, and what the SQL changed in them is mirrored
	// after (reading them all again cost a batch of 800 ~30 ms a merge).
	if c := a.tx.cache; c != nil {
		if err := c.flush(a.tx); err != nil {
			return err
		}
	}
	if err := a.mergeProfiles(from, into); err != nil {
		return err
	}
	// Rows with a uniqueness that includes the fan: drop from's copies that
	// into already has, then move the rest.
	steps := []struct{ what, sql string }{
		{"identities", `DELETE FROM fan_identities WHERE fan_id = ? AND EXISTS (
			SELECT 1 FROM fan_identities o WHERE o.fan_id = ? AND o.kind = fan_identities.kind AND o.value = fan_identities.value)`},
		{"identities", `UPDATE fan_identities SET fan_id = ? WHERE fan_id = ?`},
		{"deliveries", `DELETE FROM fan_deliveries WHERE fan_id = ? AND delivery_id IN (
			SELECT delivery_id FROM fan_deliveries WHERE fan_id = ?)`},
		{"deliveries", `UPDATE fan_deliveries SET fan_id = ? WHERE fan_id = ?`},
		{"orders", `UPDATE orders SET fan_id = ? WHERE fan_id = ?`},
		{"tickets", `UPDATE tickets SET fan_id = ? WHERE fan_id = ?`},
		{"consents", `UPDATE consent_changes SET fan_id = ? WHERE fan_id = ?`},
		{"form entries", `UPDATE form_entries SET fan_id = ? WHERE fan_id = ?`},
		{"earlier merges", `UPDATE fans SET merged_into = ? WHERE merged_into = ?`},
	}
	for _, s := range steps {
		args := []any{into, from}
		if s.sql[:6] == "DELETE" {
			args = []any{from, into}
		}
		if _, err := a.tx.exec(s.sql, args...); err != nil {
			return fmt.Errorf("merge fan %d into %d: %s: %w", from, into, s.what, err)
		}
	}
	if c := a.tx.cache; c != nil {
		if err := c.flush(a.tx); err != nil { // the merged profile
			return err
		}
	}
	if _, err := a.tx.exec(`UPDATE fans SET merged_into = ?, updated_at = ? WHERE id = ?`, into, a.now, from); err != nil {
		return fmt.Errorf("merge fan %d into %d: %w", from, into, err)
	}
	_, err := a.tx.exec(`INSERT INTO fan_merges (from_fan_id, into_fan_id, reason, delivery_id, merged_at)
		VALUES (?, ?, ?, ?, ?)`, from, into, "shared identifier in "+a.facts.Provider+" "+a.facts.EventType,
		a.deliveryID, a.now)
	if c := a.tx.cache; c != nil && err == nil {
		c.afterMerge(from, into)
	}
	return err
}

// mergeProfiles replays from's fields, with their own stamps, onto into.
func (a *applier) mergeProfiles(from, into int64) error {
	cols := append([]string{}, profileCols...)
	id, values, times, err := loadStamped(a.tx, row{table: "fans", keyCols: []string{"id"}, keyVals: []any{from}}, cols)
	if err != nil || id == 0 {
		return err
	}
	var props []fieldValue
	for _, col := range cols {
		v := values[col]
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		if v == nil || v == "" {
			continue
		}
		at, err := time.Parse(fieldTimesLayout, times[col])
		if err != nil {
			at = stubTime
		}
		props = append(props, fieldValue{col, v, at})
	}
	var first, last time.Time
	if err := a.tx.scanRow("SELECT first_seen_at, last_seen_at FROM fans WHERE id = ?", []any{from}, &first, &last); err != nil {
		return fmt.Errorf("load fan seen times: %w", err)
	}
	return a.saveFanProfile(into, props, first, last)
}
