package uplink

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/internal/testenv"
)

// markLog is a Source whose ledger ends at last and which records every
// MarkDeliveredUpTo. Only the test's goroutine drives the sender.
type markLog struct {
	nothingPending
	last  uint64
	marks []uint64
}

func (m *markLog) LastSeq(context.Context) (uint64, error) { return m.last, nil }

func (m *markLog) MarkDeliveredUpTo(_ context.Context, seq uint64) error {
	m.marks = append(m.marks, seq)
	return nil
}

// sentBacklog is a sender whose whole backlog of src.last entries is sent
// and awaits the collector's ack, as in the middle of a drain.
func sentBacklog(t *testing.T, src *markLog) *sender {
	t.Helper()
	u, err := New(src, Options{Broker: "tcp://127.0.0.1:1", Status: testStatus, AckTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	u.t.mark = time.Minute
	s := newSender(u)
	s.restart(context.Background())
	sendBacklogThrough(s, src.last)
	return s
}

// sendBacklogThrough records the backlog as sent in seq order up to seq,
// after the seqs recorded so far, as sendBacklog would.
func sendBacklogThrough(s *sender, seq uint64) {
	s.AlertsDone = true
	for q := s.Backlog + 1; q <= seq; q++ {
		s.Sent(unit, q, delivery.BacklogLane)
	}
	s.Backlog = seq
}

func TestSenderCoalescesLedgerMarksAndNeverMarksBeyondTheAck(t *testing.T) {
	src := &markLog{last: 10}
	s := sentBacklog(t, src)
	ctx := context.Background()
	t0 := time.Now()
	steps := []struct {
		name    string
		ack     uint64
		at      time.Duration
		marks   []uint64
		nextDue time.Duration // how long the session may sleep before the pending mark
	}{
		{"the first ack is marked at once", 3, 0, []uint64{3}, 0},
		{"an ack within t.mark only moves the cursors", 6, 10 * time.Second, []uint64{3}, 50 * time.Second},
		{"so does the next", 8, 30 * time.Second, []uint64{3}, 30 * time.Second},
		{"t.mark after the last mark the latest ack is marked", 8, 61 * time.Second, []uint64{3, 8}, 0},
		{"again only the cursors", 9, 62 * time.Second, []uint64{3, 8}, 59 * time.Second},
		{"an empty window is marked at once", 10, 63 * time.Second, []uint64{3, 8, 10}, 0},
	}
	for _, st := range steps {
		s.u.acks.Put(unit, st.ack)
		now := t0.Add(st.at)
		s.applyAck(ctx, now)
		if s.Acked(unit) != st.ack || !slices.Equal(src.marks, st.marks) {
			t.Fatalf("%s: acked %d, marks %v; want %d, %v", st.name, s.Acked(unit), src.marks, st.ack, st.marks)
		}
		if want := int(src.last - st.ack); s.Outstanding() != want {
			t.Fatalf("%s: %d entries outstanding, want %d", st.name, s.Outstanding(), want)
		}
		if d, ok := s.due(now); st.nextDue > 0 && (!ok || d != st.nextDue) {
			t.Fatalf("%s: due = %v, %v; want the pending mark in %v", st.name, d, ok, st.nextDue)
		}
	}
}

func TestSenderMarksTheLastAckWhenTheConnectionEnds(t *testing.T) {
	src := &markLog{last: 10}
	s := sentBacklog(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	t0 := time.Now()
	s.u.acks.Put(unit, 3)
	s.applyAck(ctx, t0)
	s.u.acks.Put(unit, 5) // arrives, but the session ends before it is applied
	cancel()
	s.end(ctx)
	if !slices.Equal(src.marks, []uint64{3, 5}) {
		t.Fatalf("marks after the session ended = %v, want [3 5]", src.marks)
	}
	s.u.acks.Put(unit, 50) // from a ledger this unit no longer has
	s.end(ctx)
	if !slices.Equal(src.marks, []uint64{3, 5}) || s.Acked(unit) != 5 {
		t.Fatalf("after an ack beyond the ledger: marks %v, acked %d; want [3 5], 5", src.marks, s.Acked(unit))
	}
}

func TestUplinkMarksTheLastAckOnShutdownEvenBetweenMarks(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	coll.loseNext(6) // the ack stops at 5 with 6-10 outstanding
	l := newLedger(t)
	l.addN(t, 10)
	u := newUplink(t, l, b.url, func(o *Options) { o.AckTimeout = time.Hour })
	u.t.mark = time.Hour // only the first ack is marked before the shutdown
	stop := runUplink(t, u)
	coll.awaitContig(5)
	testenv.Await(t, "the uplink receives the ack of 5", hangGuard, func() bool { return u.acks.Latest(unit) >= 5 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if acked, err := l.Acknowledged(context.Background()); err != nil || acked != 5 {
		t.Fatalf("ledger acknowledged up to %d, %v after shutdown; want 5, the collector's last ack", acked, err)
	}
}

func TestSenderMarksAtLeastEveryMarkRowsEntriesInAFastDrain(t *testing.T) {
	src := &markLog{last: 3 * markRows}
	s := sentBacklog(t, src) // t.mark is a minute: only the size bound marks
	ctx := context.Background()
	now := time.Now()
	for _, st := range []struct {
		ack   uint64
		marks []uint64
	}{
		{100, []uint64{100}},
		{markRows, []uint64{100}},
		{markRows + 99, []uint64{100}},
		{markRows + 100, []uint64{100, markRows + 100}},
		{2*markRows + 150, []uint64{100, markRows + 100, 2*markRows + 150}},
	} {
		s.u.acks.Put(unit, st.ack)
		s.applyAck(ctx, now)
		if !slices.Equal(src.marks, st.marks) {
			t.Fatalf("after the ack of %d: marks %v, want %v", st.ack, src.marks, st.marks)
		}
	}
}

// An ack over entries this connection has not sent yet (on an open broker,
// forged entries may have taken their seqs at the collector) is applied
// only as far as the unit has sent: its own entries are never marked
// delivered unsent, and the rest of the ack applies once they are out.
func TestSenderNeverMarksEntriesItHasNotSentDelivered(t *testing.T) {
	src := &markLog{last: 10}
	u, err := New(src, Options{Broker: "tcp://127.0.0.1:1", Status: testStatus, AckTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	u.t.mark = time.Minute
	s := newSender(u)
	s.restart(context.Background())
	sendBacklogThrough(s, 4) // the backlog is out up to 4
	ctx := context.Background()
	s.u.acks.Put(unit, 10)
	s.applyAck(ctx, time.Now())
	if s.Acked(unit) != 4 || !slices.Equal(src.marks, []uint64{4}) {
		t.Fatalf("an ack of 10 with 4 sent: acked %d, marks %v; want 4, [4]", s.Acked(unit), src.marks)
	}
	sendBacklogThrough(s, 10)
	s.applyAck(ctx, time.Now())
	if s.Acked(unit) != 10 {
		t.Fatalf("once 10 was sent: acked %d, want 10", s.Acked(unit))
	}
}
