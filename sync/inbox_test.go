package sync

import (
	"context"
	"fmt"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// acceptAll sends n distinct deliveries at once and waits for every answer.
func acceptAll(inbox *Inbox, n int, tag string) error {
	var wg gosync.WaitGroup
	errs := make(chan error, n)
	for k := range n {
		wg.Go(func() {
			body := fmt.Appendf(nil, `{"event":"ticket_sold","message_id":"%s-%d","payload":{}}`, tag, k)
			_, dup, err := inbox.Accept(context.Background(), &models.Delivery{Provider: "fixr", Body: body, ReceivedAt: time.Now()})
			if err == nil && dup {
				err = fmt.Errorf("delivery %d taken for a duplicate", k)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Webhooks that arrive while the worker holds the SQLite writer connection
// are committed together once it is free, not one small batch at a time.
func TestInboxCommitsWhatQueuedWhileConnectionBusy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		var commits atomic.Int64
		inbox := NewInbox(store, zerolog.Nop(), InboxOptions{OnCommit: func() { commits.Add(1) }, Linger: time.Microsecond, LingerBatch: 1})
		inbox.Start()
		defer inbox.Close()

		held, err := store.SQL().Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		store.SQL().SetMaxOpenConns(1) // as SQLite's writer; PostgreSQL's pool then behaves alike
		done := make(chan error)
		go func() { done <- acceptAll(inbox, 10, "busy") }()
		for inbox.waiting.Load() < 10 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // the writer is now waiting for the connection
		held.Close()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := commits.Load(); got != 1 {
			t.Errorf("10 deliveries queued behind a busy connection took %d commits, want 1", got)
		}
	})
}

// A small batch waits up to Linger for company; reaching LingerBatch ends
// the wait at once.
func TestInboxLingersForABatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		var commits atomic.Int64
		inbox := NewInbox(store, zerolog.Nop(), InboxOptions{OnCommit: func() { commits.Add(1) }, Linger: 10 * time.Second, LingerBatch: 4})
		inbox.Start()
		defer inbox.Close()

		start := time.Now()
		if err := acceptAll(inbox, 4, "full"); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited > 5*time.Second {
			t.Errorf("a batch of LingerBatch deliveries waited %v for more", waited)
		}
		if got := commits.Load(); got != 1 {
			t.Errorf("4 deliveries sent together took %d commits, want 1", got)
		}
		var stored int64
		if err := store.Read.Raw("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'").Scan(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if stored != 4 {
			t.Errorf("%d deliveries stored, want 4", stored)
		}
	})
}
