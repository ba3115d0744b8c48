package sync_test

import (
	"context"
	"fmt"
	gosync "sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
	"github.com/fanhook/fanhook/sync"
)

// A replay beside a live worker on PostgreSQL: the replay claims first,
// the worker claims next and holds its rows while it waits for the model
// lock, which the replay takes. Were the replay's rows not locked at its
// claim, the worker would hold them, the replay would wait for them to mark
// them, and PostgreSQL would end one of the two with a deadlock.
func TestReplayBesideALiveWorker(t *testing.T) {
	store := storetest.Open(t, models.DialectPostgres)
	var ds []delivery
	for k := range 20 {
		ds = append(ds, delivery{"fixr", fmt.Appendf(nil, `{"event":"customer_updated","message_id":"r%d",
			"created":"2024-01-01T00:00:00Z","payload":{"email":"r%d@example.com"}}`, k, k)})
	}
	accept(t, store, ds...)

	replayClaimed, workerClaimed := make(chan struct{}), make(chan struct{})
	var replayOnce, workerOnce gosync.Once
	replayer := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})
	sync.AfterClaim(replayer, func() {
		replayOnce.Do(func() {
			close(replayClaimed)
			<-workerClaimed // the worker claims before the replay takes the model lock
		})
	})
	worker := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})
	sync.AfterClaim(worker, func() {
		workerOnce.Do(func() {
			close(workerClaimed)
			time.Sleep(300 * time.Millisecond) // the replay takes the model lock meanwhile
		})
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make(chan error, 2)
	go func() {
		_, err := replayer.Replay(ctx, sync.ReplayFilter{Status: "all"})
		errs <- err
	}()
	<-replayClaimed
	go func() {
		_, err := worker.Drain(ctx)
		errs <- err
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	drain(t, store)
	var pending int64
	if err := store.Read.Raw("SELECT COUNT(*) FROM deliveries WHERE status <> 'processed'").Row().Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d deliveries not processed (%v)", pending, err)
	}
}

// An erasure on PostgreSQL while a worker applies a delivery naming the fan
// that just arrived: the worker holds that delivery and waits for the model
// lock, which the erasure holds while it scrubs that same delivery.
// PostgreSQL breaks the deadlock by ending one of them; both must finish.
func TestEraseBesideALiveWorker(t *testing.T) {
	store := storetest.Open(t, models.DialectPostgres)
	ingest(t, store, delivery{"fixr", []byte(`{"event":"customer_updated","message_id":"e1",
		"created":"2024-01-01T00:00:00Z","payload":{"email":"gone@example.com","user_uuid":"u-gone"}}`)})
	var fanID int64
	if err := store.Read.Raw("SELECT fan_id FROM report_fans").Row().Scan(&fanID); err != nil {
		t.Fatal(err)
	}
	accept(t, store, delivery{"fixr", []byte(`{"event":"customer_updated","message_id":"e2",
		"created":"2024-02-01T00:00:00Z","payload":{"email":"gone@example.com","first_name":"Late"}}`)})

	claimed := make(chan struct{})
	var once gosync.Once
	worker := sync.NewWorker(store, zerolog.Nop(), sync.WorkerOptions{})
	sync.AfterClaim(worker, func() {
		once.Do(func() {
			close(claimed)
			time.Sleep(500 * time.Millisecond) // the erasure takes the model lock meanwhile
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	drained := make(chan error, 1)
	go func() {
		_, err := worker.Drain(ctx)
		drained <- err
	}()
	<-claimed
	if err := sync.EraseFan(ctx, store, fanID, time.Now()); err != nil {
		t.Errorf("erase: %v", err)
	}
	<-drained // the worker's batch may be the one PostgreSQL ended; it is retried
	drain(t, store)
	var left int64
	if err := store.Read.Raw("SELECT COUNT(*) FROM deliveries WHERE body IS NOT NULL").Row().Scan(&left); err != nil || left != 0 {
		t.Errorf("%d bodies naming the erased fan left (%v)", left, err)
	}
}
