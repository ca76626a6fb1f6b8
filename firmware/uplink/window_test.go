package uplink

import (
	"context"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
)

func TestSenderAckTimeoutWaitsWhileLiveEntriesQueueBehindAPacedBacklog(t *testing.T) {
	src := &markLog{last: 12} // backlog 1-10, live 11 and 12
	u, err := New(src, Options{Broker: "tcp://127.0.0.1:1", Status: testStatus,
		AckTimeout: time.Second, BacklogRate: 1, BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	s := newSender(u)
	s.restart(context.Background())
	s.LiveFrom, s.AlertsDone = 10, true
	t0 := time.Now()
	// The first batch is out and acknowledged; the next may go in 5 s
	// (BacklogRate); the live entries sent meanwhile wait for it.
	s.Backlog, s.Live = 5, 12
	s.Hold(t0.Add(5 * time.Second))
	s.Sent(unit, 11, delivery.LiveLane)
	s.Sent(unit, 12, delivery.LiveLane)
	u.acks.Put(unit, 5)
	s.applyAck(context.Background(), t0)

	if d, ok := s.due(t0); !ok || d < 4*time.Second {
		t.Fatalf("due = %v, %v; want the next batch, not the ack timeout", d, ok)
	}
	s.ClockFrom(t0.Add(-time.Minute)) // as if the ack last moved long ago
	if err := s.step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.Stalls() != 0 || s.Backlog != 5 || s.Outstanding() != 2 {
		t.Fatalf("stalls %d, backlog cursor %d, %d outstanding: the ack timed out while nothing it could cover was sent",
			s.Stalls(), s.Backlog, s.Outstanding())
	}
	if room := s.Room(); room != u.opts.Window {
		t.Fatalf("room = %d, want the whole window %d: live entries must not take it", room, u.opts.Window)
	}
}
