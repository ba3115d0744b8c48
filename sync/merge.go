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
	if a.tx.cache != nil {
		return a.cachedMergeFans(from, into) // cache_merge.go
	}
	if err := a.mergeProfiles(from, into); err != nil {
		return err
	}
	return moveFanRows(a.tx, fanMerge{from: from, into: into, reason: a.mergeReason(), deliveryID: a.deliveryID, at: a.now})
}

// fanMerge is one merge, as fan_merges records it.
type fanMerge struct {
	from, into int64
	reason     string
	deliveryID int64
	at         time.Time
}

func (a *applier) mergeReason() string {
	return "shared identifier in " + a.facts.Provider + " " + a.facts.EventType
}

// moveFanRows does a merge's writes in SQL: every row that pointed at from
// points at into, from becomes a tombstone, and the merge is recorded.
func moveFanRows(tx *sqlTx, m fanMerge) error {
	from, into := m.from, m.into
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
		if _, err := tx.exec(s.sql, args...); err != nil {
			return fmt.Errorf("merge fan %d into %d: %s: %w", from, into, s.what, err)
		}
	}
	if _, err := tx.exec(`UPDATE fans SET merged_into = ?, updated_at = ? WHERE id = ?`, into, m.at, from); err != nil {
		return fmt.Errorf("merge fan %d into %d: %w", from, into, err)
	}
	_, err := tx.exec(`INSERT INTO fan_merges (from_fan_id, into_fan_id, reason, delivery_id, merged_at)
		VALUES (?, ?, ?, ?, ?)`, from, into, m.reason, m.deliveryID, m.at)
	return err
}

// mergeProfiles replays from's fields, with their own stamps, onto into.
func (a *applier) mergeProfiles(from, into int64) error {
	id, values, times, err := loadStamped(a.tx, row{table: "fans", keyCols: []string{"id"}, keyVals: []any{from}}, profileCols)
	if err != nil || id == 0 {
		return err
	}
	var first, last time.Time
	if err := a.tx.scanRow("SELECT first_seen_at, last_seen_at FROM fans WHERE id = ?", []any{from}, &first, &last); err != nil {
		return fmt.Errorf("load fan seen times: %w", err)
	}
	return a.saveFanProfile(into, stampedProfile(values, times), first, last)
}

// stampedProfile is a fan's profile as proposals, each with its own stamp.
func stampedProfile(values map[string]any, times fieldTimes) []fieldValue {
	var props []fieldValue
	for _, col := range profileCols {
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
		props = append(props, fieldValue{col, v, stamp(at)})
	}
	return props
}
