package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/fanhook/fanhook/models"
)

// exportFan answers a data-subject access request: every row held on the
// fan (and on fans merged into it), with the raw deliveries that named them.
func (a *Admin) exportFan(c echo.Context) error {
	id, err := fanID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, err := loadFan(ctx, a.store.Read, id)
	if err != nil {
		return err
	}
	if f.MergedInto != nil {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/fans/%d/export", *f.MergedInto))
	}
	db := a.store.Read.WithContext(ctx)
	ids := []int64{id}
	if err := db.Raw("SELECT id FROM fans WHERE merged_into = ?", id).Scan(&ids).Error; err != nil {
		return errInternal("export fan", err)
	}
	ids = append(ids, id)
	out := map[string]any{"exported_at": a.now().Format(time.RFC3339), "fan_id": id}
	sections := []struct{ name, sql string }{
		{"fans", "SELECT * FROM fans WHERE id IN ? ORDER BY id"},
		{"identities", "SELECT * FROM fan_identities WHERE fan_id IN ? ORDER BY id"},
		{"merges", "SELECT * FROM fan_merges WHERE into_fan_id IN ? ORDER BY id"},
		{"consent_changes", "SELECT * FROM consent_changes WHERE fan_id IN ? ORDER BY changed_at, id"},
		{"orders", "SELECT * FROM orders WHERE fan_id IN ? ORDER BY id"},
		{"tickets", "SELECT * FROM tickets WHERE fan_id IN ? ORDER BY id"},
		{"scans", "SELECT s.* FROM scans s JOIN tickets t ON t.id = s.ticket_id WHERE t.fan_id IN ? ORDER BY s.id"},
		{"form_entries", "SELECT * FROM form_entries WHERE fan_id IN ? ORDER BY id"},
		{"deliveries", `SELECT d.id, d.provider, d.event_type, d.status, d.received_at, d.processed_at, d.body
			FROM deliveries d WHERE d.id IN (SELECT delivery_id FROM fan_deliveries WHERE fan_id IN ?) ORDER BY d.id`},
	}
	for _, s := range sections {
		rows, err := queryMaps(ctx, db, s.sql, ids)
		if err != nil {
			return errInternal("export fan "+s.name, err)
		}
		out[s.name] = rows
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return errInternal("export fan", err)
	}
	a.audit(c, "", "export", "fan "+strconv.FormatInt(id, 10), "")
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="fan-%d.json"`, id))
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", b)
}

// queryMaps returns rows as column -> value maps; text that holds JSON (a
// form's fields, a raw body) is embedded as JSON, not as a quoted string.
func queryMaps(ctx context.Context, db *gorm.DB, sql string, args ...any) ([]map[string]any, error) {
	rows, err := db.WithContext(ctx).Raw(sql, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for rows.Next() {
		vals, err := models.ScanValues(rows, len(cols))
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, len(cols))
		for i, col := range cols {
			m[col] = exportValue(col, vals[i])
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func exportValue(col string, v any) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	s, ok := v.(string)
	if !ok {
		return v
	}
	switch col {
	case "body", "fields_json", "detail", "field_times", "headers":
		if json.Valid([]byte(s)) {
			return json.RawMessage(s)
		}
	}
	return s
}
