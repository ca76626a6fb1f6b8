package delivery

import (
	"slices"
	"testing"
	"time"
)

func TestAcksHoldTheLatestOrTheHighestPerUnit(t *testing.T) {
	for _, tc := range []struct {
		highest bool
		want    uint64
	}{{false, 3}, {true, 7}} {
		a := Acks{Highest: tc.highest}
		a.Put("door-1", 7)
		a.Put("door-1", 3) // a collector that forgot
		a.Put("door-2", 1)
		if got := a.Latest("door-1"); got != tc.want {
			t.Fatalf("Highest %v: door-1 holds %d, want %d", tc.highest, got, tc.want)
		}
		if in := a.Take(); len(in) != 2 || in["door-1"] != tc.want || a.Take() != nil {
			t.Fatalf("Highest %v: Take = %v, then not empty", tc.highest, in)
		}
	}
}

func seqOf(p *uint64) uint64 { return *p }

// One ledger: the backlog is 1-10, live entries 11 and 12 went out while
// the backlog waits for its next paced batch.
func TestLanesBySeqAckDueOnlyOnceTheEntryAfterItIsSent(t *testing.T) {
	now := time.Now()
	l := NewLanes(LaneOptions{Window: 4, Rate: 2, AckTimeout: time.Second, BySeq: true})
	l.Restart(0, 10, now)
	alerts := TakeAlerts(l, []uint64{3, 11}, 5, seqOf, func(*uint64) bool { return true })
	if !slices.Equal(alerts, []uint64{3}) || !l.AlertsDone {
		t.Fatalf("alerts to send %v, done %v; want [3], true", alerts, l.AlertsDone)
	}
	l.Sent("", 3, AheadLane)
	send, last := TakeBacklog(l, []uint64{1, 2, 3, 4}, 4, now, seqOf)
	if !slices.Equal(send, []uint64{1, 2, 4}) || last || l.Backlog != 4 {
		t.Fatalf("backlog to send %v, last %v, cursor %d; want [1 2 4], false, 4", send, last, l.Backlog)
	}
	if l.BatchReady(now.Add(time.Second)) || !l.BatchReady(now.Add(2*time.Second)) {
		t.Fatal("4 entries at 2 a second: the next batch may go in 2 s, not before")
	}
	for _, q := range send {
		l.Sent("", q, BacklogLane)
	}
	l.Live = 12
	l.Sent("", 11, LiveLane)
	l.Sent("", 12, LiveLane)
	if l.Room() != 1 || l.Outstanding() != 6 {
		t.Fatalf("room %d, %d outstanding; want 1 (alerts and live entries apart), 6", l.Room(), l.Outstanding())
	}
	if !l.Ack("", 12, now) || l.Acked("") != 4 || l.Outstanding() != 2 {
		t.Fatalf("an ack of 12 with 4 sent: acked %d, %d outstanding; want 4, 2", l.Acked(""), l.Outstanding())
	}
	if l.AckDue() || l.AckExpired(now.Add(time.Hour)) {
		t.Fatal("the ack is due while the entry after it is not sent")
	}
}

// Many units: their seqs do not follow the rows, and an ack is due
// whenever anything is outstanding.
func TestLanesPerUnitAckTakesEachUnitsPrefix(t *testing.T) {
	now := time.Now()
	l := NewLanes(LaneOptions{Window: 10, LiveWindow: 2, AckTimeout: time.Second})
	l.Restart(0, 0, now)
	l.Sent("a", 5, LiveLane) // the unit's live entry reached the gateway first
	l.Sent("a", 2, LiveLane)
	l.Sent("b", 1, BacklogLane)
	if l.LiveRoom() != 0 || !l.AckDue() {
		t.Fatalf("live room %d, due %v; want 0, true", l.LiveRoom(), l.AckDue())
	}
	if !l.Ack("a", 2, now) || l.Ack("a", 1, now) || l.Outstanding() != 2 {
		t.Fatalf("after a's ack of 2: %d outstanding, want 2", l.Outstanding())
	}
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		if got := l.AckTimeout(); got != want {
			t.Fatalf("after %d stalls: ack timeout %v, want %v", i, got, want)
		}
		l.Stall()
	}
	if !l.AckExpired(now.Add(8*time.Second)) || !l.Ack("b", 1, now) || l.Stalls() != 0 {
		t.Fatal("an ack that moves ends the stalls")
	}
}
