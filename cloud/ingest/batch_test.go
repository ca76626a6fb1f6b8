package ingest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// committedStore counts the entries whose transaction has returned; it
// keeps nothing, as the test is about the writer, not SQLite (which under
// -race would take longer than the test may wait).
type committedStore struct {
	*sqlite.Store // for statuses and dead letters
	committed     atomic.Uint64
}

func (c *committedStore) PutEntries(_ context.Context, e []wire.Entry, _ time.Time) (store.PutResult, error) {
	c.committed.Add(uint64(len(e)))
	return store.PutResult{Inserted: len(e)}, nil
}

// ackRecorder is the paho message of one entry: it records its PUBACK and
// whether the entry was committed by then.
type ackRecorder struct {
	seq   uint64
	store *committedStore
	log   *ackLog
}

type ackLog struct {
	mu    sync.Mutex
	order []uint64
	early []uint64 // acknowledged before their transaction returned
}

func (a ackRecorder) Ack() {
	a.log.mu.Lock()
	defer a.log.mu.Unlock()
	a.log.order = append(a.log.order, a.seq)
	if a.store.committed.Load() < a.seq {
		a.log.early = append(a.log.early, a.seq)
	}
}

func (ackRecorder) Duplicate() bool     { return false }
func (ackRecorder) Qos() byte           { return wire.QoSEntry }
func (ackRecorder) Retained() bool      { return false }
func (ackRecorder) Topic() string       { return wire.EntryTopic("site-a", "u1") }
func (a ackRecorder) MessageID() uint16 { return uint16(a.seq) }
func (ackRecorder) Payload() []byte     { return nil }

// The writer hands stored batches to pubackStored: every message, over
// more batches than it keeps slices for, is PUBACKed once, in the order it
// came, and only after the transaction that stored it.
func TestWriterPubacksEveryMessageInOrderAfterItsBatchIsStored(t *testing.T) {
	const n = 5 * maxBatch
	st := &committedStore{Store: openStore(t)}
	in, err := New(st, Options{BrokerURL: "tcp://127.0.0.1:1", ClientID: "cloud"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go in.write(ctx)
	defer func() { cancel(); <-in.writerDone }()
	acks := &ackLog{}
	for seq := uint64(1); seq <= n; seq++ {
		e := entry("site-a", "u1", seq)
		in.queue <- incoming{m: ackRecorder{seq: seq, store: st, log: acks},
			msg: message{entry: &e}, receivedAt: time.Now()}
	}
	testenv.Await(t, "every message acknowledged", wait, func() bool {
		acks.mu.Lock()
		defer acks.mu.Unlock()
		return len(acks.order) >= n
	})
	acks.mu.Lock()
	defer acks.mu.Unlock()
	if len(acks.order) != n {
		t.Fatalf("%d PUBACKs for %d messages", len(acks.order), n)
	}
	for i, seq := range acks.order {
		if seq != uint64(i+1) {
			t.Fatalf("PUBACK %d is for message %d: out of order", i+1, seq)
		}
	}
	if len(acks.early) > 0 {
		t.Fatalf("%d messages acknowledged before they were stored, the first %d", len(acks.early), acks.early[0])
	}
}

// sendEvery queues n messages (all of them if n < 0: until stop), one
// every d.
func sendEvery(queue chan<- incoming, n int, d time.Duration, stop <-chan struct{}) {
	for i := 0; n < 0 || i < n; i++ {
		select {
		case queue <- incoming{}:
		case <-stop:
			return
		}
		time.Sleep(d)
	}
}

// fill takes a stream whose messages come closer together than its gap
// as one batch, even one that lasts longer than the gap.
func TestFillKeepsTakingAStreamUntilItPauses(t *testing.T) {
	queue := make(chan incoming)
	go sendEvery(queue, 10, 50*time.Millisecond, nil)
	batch := fill(queue, []incoming{<-queue}, 300*time.Millisecond, time.Minute)
	if len(batch) != 10 {
		t.Fatalf("a batch of %d; want all 10 messages, 50 ms apart, in one", len(batch))
	}
}

// A stream that never pauses is cut at the budget.
func TestFillStopsAtItsBudget(t *testing.T) {
	queue, stop := make(chan incoming), make(chan struct{})
	defer close(stop)
	go sendEvery(queue, -1, time.Millisecond, stop)
	done := make(chan []incoming)
	go func() { done <- fill(queue, nil, time.Minute, 100*time.Millisecond) }()
	select {
	case batch := <-done:
		if len(batch) == 0 {
			t.Fatal("an empty batch from a stream that never paused")
		}
	case <-time.After(time.Minute):
		t.Fatal("fill never stopped taking a stream that never paused")
	}
}

// No batch holds more than maxBatch, however much is queued.
func TestFillStopsAtMaxBatch(t *testing.T) {
	queue := make(chan incoming, maxBatch+10)
	for range maxBatch + 10 {
		queue <- incoming{}
	}
	if batch := fill(queue, nil, time.Minute, time.Minute); len(batch) != maxBatch {
		t.Fatalf("a batch of %d, want %d", len(batch), maxBatch)
	}
}
