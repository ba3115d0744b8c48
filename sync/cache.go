package sync

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/fanhook/fanhook/models"
)

// A batch is the only writer of the unified model while it runs (SQLite's
// one writer connection; PostgreSQL's model lock), so it can keep the rows
// it touches in memory: it reads every row its deliveries name in a few
// bulk queries, applies the deliveries to those rows, and writes what
// changed in a few multi-row statements at the end. The rules applied are
// exactly the row-by-row ones (same code), only the reads and writes move.

// stampedCols are the columns each stamped table keeps in memory.
var stampedCols = map[string][]string{
	"fans": append(append([]string{}, profileCols...),
		"search_name", "search_name_rev", "first_seen_at", "last_seen_at", "merged_into"),
	"events": {"account_id", "name", "status", "capacity", "category", "url", "venue_name", "city",
		"country", "timezone", "opens_at", "closes_at"},
	"orders":      {"event_id", "fan_id", "sold_at", "promo_code", "ticket_count", "url"},
	"tickets":     {"event_id", "order_id", "fan_id", "ticket_type", "ticket_type_id", "quantity", "unit_price_minor", "booking_fee_minor", "currency", "sold_at"},
	"vibes_lists": {"name", "url"},
}

// flushOrder respects the foreign keys.
var flushOrder = []string{"fans", "events", "orders", "tickets", "vibes_lists"}

// cachedRow is one stamped row held by a batch.
type cachedRow struct {
	r      row
	id     int64
	values map[string]any
	times  fieldTimes
	dirty  map[string]bool
	isNew  bool
}

type batchCache struct {
	rows    map[string]*cachedRow // by table and natural key; fans by id
	absent  map[string]bool       // keys known not to exist
	holders map[Identity][]int64  // fans holding each looked-up identifier
	nextID  map[string]int64      // SQLite: the next id of each table
	ids     *sequenceIDs          // PostgreSQL: ids taken from the sequences
	now     time.Time

	newIdentities []identityRow
	fanDeliveries map[[2]int64]bool
	scans         []scanRow
	consents      []consentRow
	forms         map[string]formRow
	formOrder     []string

	merges     []fanMerge      // done in the cache, written by flushMerges
	mergedInto map[int64]int64 // from -> into, for rows read after a merge
}

type identityRow struct {
	fanID     int64
	id        Identity
	provider  string
	firstSeen time.Time
}

type scanRow struct {
	ticketID, deliveryID int64
	provider, status     string
	at                   time.Time
	peopleIn             int64
}

type consentRow struct {
	fanID, deliveryID                       int64
	topic, status, provider, source, detail string
	at                                      time.Time
}

type formRow struct {
	provider, activityID, fields string
	fanID, duration              any
	receivedAt                   time.Time
	deliveryID                   int64
}

func newBatchCache(now time.Time, ids *sequenceIDs) *batchCache {
	return &batchCache{
		rows: map[string]*cachedRow{}, absent: map[string]bool{}, holders: map[Identity][]int64{},
		nextID: map[string]int64{}, ids: ids, now: now,
		fanDeliveries: map[[2]int64]bool{}, forms: map[string]formRow{}, mergedInto: map[int64]int64{},
	}
}

func rowKey(r row) string {
	var b strings.Builder
	size := len(r.table)
	for _, v := range r.keyVals {
		size++
		if x, ok := v.(string); ok {
			size += len(x)
		} else {
			size += 20 // an int64's digits
		}
	}
	b.Grow(size) // one allocation: a key is built for every row a batch touches
	b.WriteString(r.table)
	for _, v := range r.keyVals {
		b.WriteByte(0)
		switch x := v.(type) { // the usual key types, without fmt
		case string:
			b.WriteString(x)
		case int64:
			var digits [20]byte
			b.Write(strconv.AppendInt(digits[:0], x, 10))
		default:
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}

// idKey is the key columns of a row found by id; shared, never changed.
var idKey = []string{"id"}

func fanRow(id int64) row {
	return row{table: "fans", keyCols: idKey, keyVals: []any{id}}
}

// get returns the cached row, reading it on a miss; nil when it does not
// exist.
func (c *batchCache) get(tx *sqlTx, r row) (*cachedRow, error) {
	k := rowKey(r)
	if cr, ok := c.rows[k]; ok {
		return cr, nil
	}
	if c.absent[k] {
		return nil, nil
	}
	if err := c.load(tx, r.table, r.keyCols, [][]any{r.keyVals}); err != nil {
		return nil, err
	}
	if cr, ok := c.rows[k]; ok {
		return cr, nil
	}
	c.absent[k] = true
	return nil, nil
}

// load reads rows of one table by natural keys (all the same columns).
func (c *batchCache) load(tx *sqlTx, table string, keyCols []string, keys [][]any) error {
	cols := stampedCols[table]
	for start := 0; start < len(keys); start += 1000 {
		chunk := keys[start:min(start+1000, len(keys))]
		sel := append(append([]string{"id", "field_times"}, keyCols...), cols...)
		args, err := keySetArgs(tx.dialect, keyCols, chunk)
		if err != nil {
			return fmt.Errorf("load %s: %w", table, err)
		}
		rows, err := tx.query("SELECT t."+strings.Join(sel, ", t.")+" FROM "+table+" t "+
			keySetJoin(tx.dialect, keyCols), args...)
		if err != nil {
			return fmt.Errorf("load %s: %w", table, err)
		}
		for rows.Next() {
			vals, err := models.ScanValues(rows, len(sel))
			if err != nil {
				rows.Close()
				return fmt.Errorf("load %s: %w", table, err)
			}
			cr := &cachedRow{values: map[string]any{}, dirty: map[string]bool{}}
			cr.id, _ = vals[0].(int64)
			ft, _ := vals[1].(string)
			if b, ok := vals[1].([]byte); ok {
				ft = string(b)
			}
			cr.times = parseFieldTimes(ft)
			keyVals := make([]any, len(keyCols))
			for i := range keyCols {
				keyVals[i] = normalizeValue(vals[2+i])
			}
			cr.r = row{table: table, keyCols: keyCols, keyVals: keyVals}
			for i, col := range cols {
				cr.values[col] = normalizeValue(vals[2+len(keyCols)+i])
			}
			c.moveLoaded(cr)
			c.rows[rowKey(cr.r)] = cr
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load %s: %w", table, err)
		}
	}
	return nil
}

// normalizeValue makes database values compare like proposed ones.
func normalizeValue(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// create makes a new row with the next id of its table.
func (c *batchCache) create(tx *sqlTx, r row) (*cachedRow, error) {
	id, err := c.allocate(tx, r.table)
	if err != nil {
		return nil, err
	}
	cr := &cachedRow{r: r, id: id, values: map[string]any{}, times: fieldTimes{}, dirty: map[string]bool{}, isNew: true}
	if r.table == "fans" {
		cr.r = fanRow(id)
		cr.values["first_seen_at"], cr.values["last_seen_at"] = r.seenAt, r.seenAt
		cr.values["search_name"], cr.values["search_name_rev"] = "", ""
	}
	k := rowKey(cr.r)
	c.rows[k] = cr
	delete(c.absent, k)
	return cr, nil
}

func (c *batchCache) allocate(tx *sqlTx, table string) (int64, error) {
	if tx.dialect == models.DialectPostgres {
		return c.allocateFromSequence(tx, table)
	}
	if _, ok := c.nextID[table]; !ok {
		var maxID, seq int64
		if err := tx.scanRow("SELECT COALESCE(MAX(id), 0) FROM "+table, nil, &maxID); err != nil {
			return 0, fmt.Errorf("next %s id: %w", table, err)
		}
		// AUTOINCREMENT never reuses an id, even of a deleted row.
		_ = tx.scanRow("SELECT seq FROM sqlite_sequence WHERE name = ?", []any{table}, &seq)
		c.nextID[table] = max(maxID, seq) + 1
	}
	id := c.nextID[table]
	c.nextID[table]++
	return id, nil
}

// allocateFromSequence takes an id from the worker's pool, which takes
// them from the table's sequence idBlock at a time (one round trip). A
// sequence is not transactional, so ids a rolled-back batch took are only
// a harmless gap. Batches allocate only once they hold the model lock.
func (c *batchCache) allocateFromSequence(tx *sqlTx, table string) (int64, error) {
	return c.ids.next(table, func() ([]int64, error) {
		if !tx.modelLocked {
			return nil, fmt.Errorf("next %s ids: the model lock is not held", table)
		}
		return reserveIDs(tx, table)
	})
}

const idBlock = 200

// reserveIDs moves the sequence past a block in one call, where idBlock
// nextval calls took ~0.6 ms, two or three times a batch, inside the
// serialized section. Only safe under the model lock: every writer of the
// model holds it, so no other session takes an id between nextval and
// setval.
func reserveIDs(tx *sqlTx, table string) ([]int64, error) {
	var last int64
	err := tx.scanRow(`SELECT setval(s, nextval(s) + ?) FROM (SELECT pg_get_serial_sequence(?, 'id')::regclass AS s) q`,
		[]any{idBlock - 1, table}, &last)
	if err != nil {
		return nil, fmt.Errorf("reserve %s ids: %w", table, err)
	}
	ids := make([]int64, idBlock)
	for i := range ids {
		ids[i] = last - idBlock + 1 + int64(i)
	}
	return ids, nil
}

// sequenceIDs are ids taken from PostgreSQL sequences and not used yet,
// shared by a worker's batches.
type sequenceIDs struct {
	mu   gosync.Mutex
	free map[string][]int64
}

func (s *sequenceIDs) next(table string, refill func() ([]int64, error)) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.free == nil {
		s.free = map[string][]int64{}
	}
	if len(s.free[table]) == 0 {
		ids, err := refill()
		if err != nil {
			return 0, err
		}
		s.free[table] = ids
	}
	id := s.free[table][0]
	s.free[table] = s.free[table][1:]
	return id, nil
}

// apply merges proposed values into a cached row.
func (cr *cachedRow) apply(props []fieldValue) {
	won, stamped := mergeFields(cr.values, cr.times, props)
	for col, v := range won {
		cr.set(col, v)
	}
	if stamped {
		cr.dirty["field_times"] = true
	}
}

func (cr *cachedRow) set(col string, v any) {
	cr.values[col] = v
	cr.dirty[col] = true
}

// sortedCols lists a row's columns to write, in a stable order so that rows
// of one shape share one statement.
func (cr *cachedRow) sortedCols() []string {
	cols := make([]string, 0, len(cr.values))
	for col := range cr.dirty {
		if col != "field_times" {
			cols = append(cols, col)
		}
	}
	if cr.isNew {
		cols = cols[:0]
		for col, v := range cr.values {
			if v != nil && col != "merged_into" {
				cols = append(cols, col)
			}
		}
	}
	sort.Strings(cols)
	return cols
}

// upsert is upsertStamped on the cache: create the row if missing, apply
// the proposals by the field-time rule.
func (c *batchCache) upsert(tx *sqlTx, r row, props []fieldValue) (int64, error) {
	cr, err := c.get(tx, r)
	if err != nil {
		return 0, err
	}
	if cr == nil {
		if cr, err = c.create(tx, r); err != nil {
			return 0, err
		}
	}
	cr.apply(props)
	return cr.id, nil
}
