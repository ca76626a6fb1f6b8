package ingest

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// maxHold bounds how long a collector keeps an entry its own by telling
// JetStream it is still working on it. A store that has taken nothing for
// that long is more likely broken for this collector (its database
// unreachable from here) than slow: the entry is then let go, and after
// AckWait JetStream hands it to whichever collector pulls next.
const maxHold = 5 * time.Minute

// holds are the JetStream messages a collector has pulled and not yet
// acknowledged: queued, in the batch being stored (perhaps retried with
// back-off, perhaps stalled in a slow transaction) or waiting for their
// acks. Every third of AckWait each one gets InProgress, which restarts
// its AckWait: without it, a store slower than AckWait had its entries
// handed to another collector while it was still storing them, which
// stored them twice over (once as duplicates) and doubled the load on the
// store that was already slow.
type holds struct {
	mu       sync.Mutex
	held     map[jetstream.Msg]time.Time // when it was pulled
	extended atomic.Int64                // rounds that extended at least one message
	stop     chan struct{}
	done     chan struct{}
}

func newHolds(ackWait time.Duration) *holds {
	h := &holds{held: map[jetstream.Msg]time.Time{}, stop: make(chan struct{}), done: make(chan struct{})}
	go h.keep(ackWait / 3)
	return h
}

func (h *holds) add(m jetstream.Msg) {
	h.mu.Lock()
	h.held[m] = time.Now()
	h.mu.Unlock()
}

func (h *holds) release(m jetstream.Msg) {
	h.mu.Lock()
	delete(h.held, m)
	h.mu.Unlock()
}

// keep extends every held message each tick until end is called; a message
// held longer than maxHold is dropped from the set and left to expire.
func (h *holds) keep(tick time.Duration) {
	defer close(h.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case now := <-t.C:
			if h.extend(now) > 0 {
				h.extended.Add(1)
			}
		}
	}
}

// extend sends InProgress for what is held, outside the lock so pulling
// and acking are not held up, and reports how many it sent.
func (h *holds) extend(now time.Time) int {
	h.mu.Lock()
	msgs := make([]jetstream.Msg, 0, len(h.held))
	for m, since := range h.held {
		if now.Sub(since) > maxHold {
			delete(h.held, m)
			continue
		}
		msgs = append(msgs, m)
	}
	h.mu.Unlock()
	for _, m := range msgs {
		_ = m.InProgress() // lost, the entry may come again: the store takes it once
	}
	return len(msgs)
}

// end stops extending: what is still held expires after AckWait.
func (h *holds) end() {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	<-h.done
}
