package sync

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// prefetch reads, in a few bulk queries, every row a batch's deliveries
// name: their identifiers and the fans holding them, and their events,
// orders, tickets and lists.
func (c *batchCache) prefetch(tx *sqlTx, batch []Facts) error {
	var ids []Identity
	keys := map[string]map[string][][]any{} // table -> provider -> keys
	// Deliveries of one on-sale name the same event three times each:
	// each key is listed once.
	type externalKey struct{ table, provider, id string }
	listed := map[externalKey]bool{}
	add := func(table, provider, id string) {
		if k := (externalKey{table, provider, id}); !listed[k] {
			listed[k] = true
			if keys[table] == nil {
				keys[table] = map[string][][]any{}
			}
			keys[table][provider] = append(keys[table][provider], []any{provider, id})
		}
	}
	for _, f := range batch {
		for _, p := range f.People {
			ids = append(ids, personIdentities(p)...)
		}
		if f.Event != nil && f.Event.ExternalID != "" {
			add("events", f.Provider, f.Event.ExternalID)
		}
		if f.Order != nil && f.Order.ExternalID != "" {
			add("orders", f.Provider, f.Order.ExternalID)
			add("events", f.Provider, f.Order.EventExternalID)
		}
		for _, t := range f.Tickets {
			add("tickets", f.Provider, t.ExternalID)
			add("events", f.Provider, t.EventExternalID)
			if t.OrderExternalID != "" {
				add("orders", f.Provider, t.OrderExternalID)
			}
		}
		for _, s := range f.Scans {
			add("tickets", f.Provider, s.TicketExternalID)
		}
	}
	if err := c.lookupIdentities(tx, ids); err != nil {
		return err
	}
	for _, table := range []string{"events", "orders", "tickets"} {
		for _, ks := range keys[table] {
			if err := c.loadMissing(tx, table, []string{"provider", "external_id"}, ks); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadMissing loads the keys not cached yet and remembers which are absent.
func (c *batchCache) loadMissing(tx *sqlTx, table string, keyCols []string, keys [][]any) error {
	var missing [][]any
	seen := map[string]bool{}
	for _, k := range keys {
		rk := rowKey(row{table: table, keyVals: k})
		if _, ok := c.rows[rk]; ok || c.absent[rk] || seen[rk] {
			continue
		}
		seen[rk] = true
		missing = append(missing, k)
	}
	if len(missing) == 0 {
		return nil
	}
	if err := c.load(tx, table, keyCols, missing); err != nil {
		return err
	}
	for rk := range seen {
		if _, ok := c.rows[rk]; !ok {
			c.absent[rk] = true
		}
	}
	return nil
}

// lookupIdentities reads the holders of identifiers not looked up yet,
// and the fans holding them.
func (c *batchCache) lookupIdentities(tx *sqlTx, ids []Identity) error {
	var missing []Identity
	for _, id := range ids {
		if _, ok := c.holders[id]; !ok {
			c.holders[id] = nil
			missing = append(missing, id)
		}
	}
	var fanKeys [][]any
	for start := 0; start < len(missing); start += 1000 {
		chunk := missing[start:min(start+1000, len(missing))]
		keys := make([][]any, len(chunk))
		for i, id := range chunk {
			keys[i] = []any{id.Kind, id.Value}
		}
		keyCols := []string{"kind", "value"}
		args, err := keySetArgs(tx.dialect, keyCols, keys)
		if err != nil {
			return fmt.Errorf("find fans: %w", err)
		}
		rows, err := tx.query("SELECT t.kind, t.value, t.fan_id FROM fan_identities t "+
			keySetJoin(tx.dialect, keyCols)+" ORDER BY t.fan_id", args...)
		if err != nil {
			return fmt.Errorf("find fans: %w", err)
		}
		for rows.Next() {
			var id Identity
			var fanID int64
			if err := rows.Scan(&id.Kind, &id.Value, &fanID); err != nil {
				rows.Close()
				return fmt.Errorf("find fans: %w", err)
			}
			fanID = c.liveFan(fanID) // the database is as before the batch's merges
			if !slices.Contains(c.holders[id], fanID) {
				c.holders[id] = append(c.holders[id], fanID)
				slices.Sort(c.holders[id]) // as read: ORDER BY fan_id
			}
			fanKeys = append(fanKeys, []any{fanID})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("find fans: %w", err)
		}
	}
	return c.loadMissing(tx, "fans", []string{"id"}, fanKeys)
}

// cachedKnownIdentities answers knownIdentities from the cache.
func (a *applier) cachedKnownIdentities(ids []Identity) (identityMatches, error) {
	c := a.tx.cache
	m := identityMatches{holders: map[Identity][]int64{}}
	if err := c.lookupIdentities(a.tx, ids); err != nil {
		return m, err
	}
	seenStrong, seenPhone := map[int64]bool{}, map[int64]bool{}
	for _, id := range ids {
		for _, fanID := range c.holders[id] {
			cr, err := c.get(a.tx, fanRow(fanID))
			if err != nil {
				return m, err
			}
			if cr == nil || cr.values["merged_into"] != nil {
				continue
			}
			m.holders[id] = append(m.holders[id], fanID)
			email, _ := cr.values["email"].(string)
			f := fanRef{id: fanID, email: email}
			if id.Kind == identityPhone {
				if !seenPhone[fanID] {
					seenPhone[fanID] = true
					m.phone = append(m.phone, f)
				}
			} else if !seenStrong[fanID] {
				seenStrong[fanID] = true
				m.strong = append(m.strong, f)
			}
		}
	}
	sortRefs(m.strong)
	sortRefs(m.phone)
	return m, nil
}

func sortRefs(refs []fanRef) {
	slices.SortFunc(refs, func(a, b fanRef) int { return cmp.Compare(a.id, b.id) })
}

// cachedAttachIdentity records that fanID holds id.
func (a *applier) cachedAttachIdentity(fanID int64, id Identity) error {
	c := a.tx.cache
	for _, h := range c.holders[id] {
		if h == fanID {
			return nil
		}
		if id.Kind != identityPhone {
			return fmt.Errorf("attach %s: %w", id.Kind, errIdentityRace)
		}
	}
	c.holders[id] = append(c.holders[id], fanID)
	c.newIdentities = append(c.newIdentities, identityRow{fanID: fanID, id: id, provider: a.facts.Provider, firstSeen: a.facts.FactAt})
	return nil
}

// cachedSaveFanProfile is saveFanProfile on the cache.
func (a *applier) cachedSaveFanProfile(fanID int64, props []fieldValue, seenFirst, seenLast time.Time) error {
	cr, err := a.tx.cache.get(a.tx, fanRow(fanID))
	if err != nil {
		return err
	}
	if cr == nil {
		return fmt.Errorf("fan %d vanished", fanID)
	}
	cr.apply(props)
	first, _ := cr.values["first_name"].(string)
	last, _ := cr.values["last_name"].(string)
	name, rev := SearchNames(first, last)
	if cr.values["search_name"] != name || cr.values["search_name_rev"] != rev {
		cr.set("search_name", name)
		cr.set("search_name_rev", rev)
	}
	if t, ok := cr.values["first_seen_at"].(time.Time); !ok || seenFirst.Before(t) {
		cr.set("first_seen_at", seenFirst)
	}
	if t, ok := cr.values["last_seen_at"].(time.Time); !ok || seenLast.After(t) {
		cr.set("last_seen_at", seenLast)
	}
	return nil
}
