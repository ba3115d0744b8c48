package sync

import (
	"fmt"
	"slices"
	"time"
)

// A merge inside a batch used to write the whole batch out first, run its
// SQL, and write the merged profile out again: on the load tool's mix,
// about one merge a batch, a quarter of PostgreSQL's time under the model
// lock. Now a merge changes the cache alone: the profile and the rows the
// batch holds move to into at once, and rows read later are moved as they
// are read (liveFan). When the batch is written, its rows first, the
// merges' SQL then moves what the database still has at from, merge after
// merge in the order they happened (flushMerges): rows from before the
// batch, and the rows the batch queued for from before its merge. The
// result is the careful path's, row by row in SQL, ids included
// (TestBatchedMergesLeaveTheSameModelAsOneByOne).

// cachedMergeFans is mergeFans on the cache.
func (a *applier) cachedMergeFans(from, into int64) error {
	c := a.tx.cache
	fromRow, err := c.get(a.tx, fanRow(from))
	if err != nil {
		return err
	}
	if fromRow != nil {
		first, okFirst := fromRow.values["first_seen_at"].(time.Time)
		last, okLast := fromRow.values["last_seen_at"].(time.Time)
		if !okFirst || !okLast {
			return fmt.Errorf("merge fan %d into %d: no seen times", from, into)
		}
		if err := a.cachedSaveFanProfile(into, stampedProfile(fromRow.values, fromRow.times), first, last); err != nil {
			return err
		}
	}
	c.mergedInto[from] = into
	c.afterMerge(from, into)
	c.merges = append(c.merges, fanMerge{from: from, into: into, reason: a.mergeReason(), deliveryID: a.deliveryID, at: a.now})
	return nil
}

// afterMerge moves what the cache holds from from to into: fan ids of
// orders and tickets, the holders of identifiers, and from, with the fans
// merged into it, now points at into.
func (c *batchCache) afterMerge(from, into int64) {
	for _, cr := range c.rows {
		switch cr.r.table {
		case "fans":
			if cr.id == from || cr.values["merged_into"] == any(from) {
				cr.values["merged_into"] = into
			}
		case "orders", "tickets":
			if cr.values["fan_id"] == any(from) {
				cr.values["fan_id"] = into
			}
		}
	}
	for id, holders := range c.holders {
		if slices.Contains(holders, from) {
			c.holders[id] = c.liveFans(holders)
		}
	}
}

// liveFan is the fan id after the batch's merges so far.
func (c *batchCache) liveFan(id int64) int64 {
	for {
		into, ok := c.mergedInto[id]
		if !ok {
			return id
		}
		id = into
	}
}

// liveFans maps fan ids through the merges, without duplicates, in order
// (as read: ORDER BY fan_id).
func (c *batchCache) liveFans(ids []int64) []int64 {
	var live []int64
	for _, id := range ids {
		if id = c.liveFan(id); !slices.Contains(live, id) {
			live = append(live, id)
		}
	}
	slices.Sort(live)
	return live
}

// moveLoaded applies the batch's merges to a row just read: the database
// still has it as before them.
func (c *batchCache) moveLoaded(cr *cachedRow) {
	if len(c.mergedInto) == 0 {
		return
	}
	col := "fan_id"
	if cr.r.table == "fans" {
		col = "merged_into"
	}
	if id, ok := cr.values[col].(int64); ok {
		cr.values[col] = c.liveFan(id)
	}
}

// flushMerges runs, merge by merge, the SQL that moves what the database
// still has at each merged fan: rows from before the batch, and rows the
// batch queued for that fan before its merge. It runs after the batch's
// rows are written.
func (c *batchCache) flushMerges(tx *sqlTx) error {
	for _, m := range c.merges {
		if err := moveFanRows(tx, m); err != nil {
			return err
		}
	}
	c.merges = nil
	clear(c.mergedInto)
	return nil
}
