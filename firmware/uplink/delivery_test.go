package uplink

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"

	"github.com/kakou/kakou/internal/testenv"
)

func TestUplinkKeepsEntriesPendingWhenOnlyTheBrokerAcknowledges(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt) // and no collector
	l := newLedger(t)
	l.addN(t, 10)
	u, _ := startUplink(t, l, b.url)
	capt.awaitStatus(wire.Online)
	for range 10 {
		capt.nextEntry()
	}
	// Every PUBACK is in by the time the next status goes out: the session
	// waits for them before it does anything else.
	u.SetDiskAlarm(true)
	s := capt.awaitStatus(wire.Online)
	if s.Backlog != 10 || s.OldestUnacked == nil || !s.OldestUnacked.Equal(l.firstTime(t)) || !s.DiskAlarm {
		t.Fatalf("status = backlog %d, oldest %v, disk alarm %v; want 10, the first entry's time, true",
			s.Backlog, s.OldestUnacked, s.DiskAlarm)
	}
	if n, _, err := l.Backlog(context.Background()); err != nil || n != 10 {
		t.Fatalf("ledger backlog = %d, %v; PUBACKed entries must stay pending until the collector acks", n, err)
	}
}

// firstTime is the time of the ledger's first entry.
func (w *watched) firstTime(t *testing.T) time.Time {
	es, err := w.Entries(context.Background(), 0, 1)
	if err != nil || len(es) == 0 {
		t.Fatalf("no first entry: %v", err)
	}
	return es[0].Time
}

func TestUplinkAppliesAnAckRetainedWhileItWasAway(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	coll := startCollector(t, b.url)
	coll.setAcking(false)
	l := newLedger(t)
	l.addN(t, 10)
	u, _ := startUplink(t, l, b.url)
	coll.awaitContig(10)

	b.gate.blocked.Store(u.opts.ClientID, struct{}{})
	b.cutClient(t, u.opts.ClientID)
	capt.awaitStatus(wire.Offline)
	if err := coll.publishAck(10); err != nil { // retained, while the unit is away
		t.Fatal(err)
	}
	b.gate.blocked.Delete(u.opts.ClientID)
	l.awaitEmptyBacklog(t) // only the retained ack can have done this
}

func TestUplinkResendsFromTheAckWhenTheCollectorStalls(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	coll.loseNext(5) // its ack stops at 4 until 5 comes again
	l := newLedger(t)
	l.addN(t, 10)
	startUplink(t, l, b.url, func(o *Options) { o.AckTimeout = 200 * time.Millisecond })
	coll.awaitContig(10)
	l.awaitEmptyBacklog(t)
	if n := coll.copies(5); n != 1 {
		t.Fatalf("seq 5 kept %d times, want 1 (sent twice, the first copy lost)", n)
	}
}

func TestUplinkSendsBacklogAlertsBeforeOlderEntries(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	l := newLedger(t)
	l.addN(t, 50, 20, 40)
	startUplink(t, l, b.url, batchOf(10))
	coll.awaitContig(50)
	l.awaitEmptyBacklog(t)
	got := coll.received()
	if got[0].Seq != 20 || got[1].Seq != 40 || got[0].Alert == "" {
		t.Fatalf("first entries at the collector: seq %d, %d; want the alerts 20 and 40", got[0].Seq, got[1].Seq)
	}
	if coll.copies(20) != 1 || coll.copies(40) != 1 {
		t.Fatal("an alert sent ahead was sent again with the backlog")
	}
	rest := make([]uint64, 0, 48)
	for _, e := range got[2:] {
		rest = append(rest, e.Seq)
	}
	if !slices.IsSorted(rest) || len(rest) != 48 {
		t.Fatalf("the rest of the backlog came out of order: %v", rest)
	}
}

func TestUplinkFlagsBacklogEntriesHistoricalAndLiveEntriesNot(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	l := newLedger(t)
	l.addN(t, 30, 7)
	u, _ := startUplink(t, l, b.url)
	coll.awaitContig(30)
	l.awaitEmptyBacklog(t)
	for range 3 {
		if _, err := l.add(); err != nil {
			t.Fatal(err)
		}
		u.Notify()
	}
	coll.awaitContig(33)
	for _, e := range coll.received() {
		if want := e.Seq <= 30; e.Historical != want {
			t.Fatalf("seq %d historical = %v, want %v", e.Seq, e.Historical, want)
		}
	}
	l.awaitEmptyBacklog(t)
	stored, _ := l.Entries(context.Background(), 0, 100)
	if b, _ := json.Marshal(stored[0]); stored[0].Historical {
		t.Fatalf("the ledger's copy was flagged historical: %s", b)
	}
}

// largeBacklog is what an outage of a few days leaves at a busy lane. The
// race detector slows the ledger's SQLite twentyfold, so race builds use
// less (race_test.go).
var largeBacklog = 20000

func TestUplinkSendsALiveEntryAheadOfALargeBacklog(t *testing.T) {
	if testing.Short() {
		t.Skip("drains a large backlog")
	}
	backlog := largeBacklog
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	l := newLedger(t)
	l.addN(t, backlog)
	u, _ := startUplink(t, l, b.url, func(o *Options) { o.BacklogRate = 10000 })
	coll.awaitContig(1)
	live, err := l.add()
	if err != nil {
		t.Fatal(err)
	}
	u.Notify()
	coll.awaitContig(uint64(backlog) + 1)
	l.awaitEmptyBacklog(t)
	at := map[uint64]int{}
	for i, e := range coll.received() {
		if _, seen := at[e.Seq]; !seen {
			at[e.Seq] = i
		}
	}
	if last := uint64(backlog); at[live.Seq] > at[last] {
		t.Fatalf("the live entry arrived %dth, after the backlog's last entry (%dth)", at[live.Seq], at[last])
	}
	if got := coll.received()[at[live.Seq]]; got.Historical {
		t.Fatal("the live entry was flagged historical")
	}
}

func TestUplinkRepublishesStatusEveryHeartbeat(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	l := newLedger(t)
	startUplink(t, l, b.url, func(o *Options) { o.Heartbeat = 20 * time.Millisecond })
	birth := capt.awaitStatus(wire.Online)
	for range 3 { // nothing changed: only the heartbeat publishes these
		if s := capt.awaitStatus(wire.Online); s.Time.Before(birth.Time) {
			t.Fatalf("heartbeat status at %v precedes the birth at %v", s.Time, birth.Time)
		}
	}
}

func TestUplinkIgnoresAnAckBeyondItsLedger(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	coll.setAcking(false)
	if err := coll.publishAck(500); err != nil { // from a ledger this unit no longer has
		t.Fatal(err)
	}
	l := newLedger(t)
	l.addN(t, 5)
	startUplink(t, l, b.url)
	coll.awaitContig(5)
	// The retained ack follows the SUBACK, ahead of the birth's PUBACK, so
	// it was judged before the entries went out.
	if n, _, err := l.Backlog(context.Background()); err != nil || n != 5 {
		t.Fatalf("backlog after an ack of 500 = %d, %v; want the 5 entries still pending", n, err)
	}
	coll.setAcking(true)
	l.awaitEmptyBacklog(t)
}

func TestUplinkDrainsABacklogWithMoreAlertsThanItsWindow(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	coll := startCollector(t, b.url)
	l := newLedger(t)
	var alerts []int
	for i := 1; i <= 300; i += 2 {
		alerts = append(alerts, i)
	}
	l.addN(t, 300, alerts...) // 150 alerts, a window of 100
	startUplink(t, l, b.url, func(o *Options) { o.Window, o.BatchSize, o.AckTimeout = 100, 10, 10*time.Second })
	// One deadline for the whole drain: the re-sends of a stuck one would
	// renew awaitContig's wait for a change forever.
	testenv.Await(t, "the whole backlog stored (a stuck one: the alerts sent ahead filled its window)", hangGuard,
		func() bool {
			coll.mu.Lock()
			defer coll.mu.Unlock()
			return coll.contig >= 300
		})
	l.awaitEmptyBacklog(t)
	if n := len(coll.received()); n != 300 {
		t.Fatalf("the collector got %d copies of 300 entries: the alerts sent ahead held up the backlog "+
			"until the ack timed out", n)
	}
}
