package uplink

import (
	"context"
	"testing"
	"time"
)

func TestSenderAckTimeoutWaitsWhileLiveEntriesQueueBehindAPacedBacklog(t *testing.T) {
	src := &markLog{last: 12} // backlog 1-10, live 11 and 12
	u, err := New(src, Options{Broker: "tcp://127.0.0.1:1", Status: testStatus,
		AckTimeout: time.Second, BacklogRate: 1, BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	s := &sender{u: u}
	s.restart(context.Background())
	s.liveFrom, s.alertsDone = 10, true
	t0 := time.Now()
	// The first batch is out and acknowledged; the next may go in 5 s
	// (BacklogRate); the live entries sent meanwhile wait for it.
	s.backlog, s.nextBatch, s.live = 5, t0.Add(5*time.Second), 12
	s.sent(11, liveLane)
	s.sent(12, liveLane)
	u.ackIn.Store(5)
	s.applyAck(context.Background(), t0)

	if d, ok := s.due(t0); !ok || d < 4*time.Second {
		t.Fatalf("due = %v, %v; want the next batch, not the ack timeout", d, ok)
	}
	s.progress = t0.Add(-time.Minute) // as if the ack last moved long ago
	if err := s.step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.stalls != 0 || s.backlog != 5 || s.outstanding() != 2 {
		t.Fatalf("stalls %d, backlog cursor %d, %d outstanding: the ack timed out while nothing it could cover was sent",
			s.stalls, s.backlog, s.outstanding())
	}
	if room := s.room(); room != u.opts.Window {
		t.Fatalf("room = %d, want the whole window %d: live entries must not take it", room, u.opts.Window)
	}
}
