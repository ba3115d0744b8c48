package sync

import (
	"context"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// A block reserved under the model lock is the sequence's next idBlock
// values, and nothing drawn from the sequence afterwards falls inside it.
func TestReserveIDsUnderModelLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		if store.Dialect != models.DialectPostgres {
			t.Skip("SQLite allocates ids in memory from MAX(id)")
		}
		ctx := context.Background()
		var before int64
		if err := store.DB.Raw("SELECT nextval(pg_get_serial_sequence('tickets', 'id'))").Scan(&before).Error; err != nil {
			t.Fatal(err)
		}
		tx, err := beginSQLTx(ctx, store)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.tx.Rollback()
		if err := lockModelForBatch(tx); err != nil {
			t.Fatal(err)
		}
		c := newBatchCache(time.Now(), &sequenceIDs{})
		first, err := c.allocateFromSequence(tx, "tickets")
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if first != before+1 {
			t.Errorf("first reserved id %d, want %d", first, before+1)
		}
		var after int64
		if err := store.DB.Raw("SELECT nextval(pg_get_serial_sequence('tickets', 'id'))").Scan(&after).Error; err != nil {
			t.Fatal(err)
		}
		if after != before+idBlock+1 {
			t.Errorf("nextval after the block = %d, want %d (past %d reserved ids)", after, before+idBlock+1, idBlock)
		}
	})
}
