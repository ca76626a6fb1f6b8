package bridge

import (
	"slices"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"

	"github.com/kakou/kakou/internal/testenv"
)

func TestBridgeForwardsEveryEntryOnceAndMarksItCloudAcked(t *testing.T) {
	r := newRig(t, time.Minute, true)
	units := []string{"door-1", "door-2", "exit-1"}
	r.backlog(units, 1, 200, nil)
	r.start()
	r.connected()
	for seq := uint64(201); seq <= 250; seq++ {
		for _, u := range units {
			r.live(u, seq)
		}
	}
	got := r.drained(750)
	for k, e := range got {
		if wantHist := k.seq <= 200; e.Historical != wantHist {
			t.Errorf("%v: historical %v, want %v (backlog up to seq 200, live after)", k, e.Historical, wantHist)
		}
	}
	for _, u := range units {
		if seq := r.ackedSeq(u); seq != 250 {
			t.Errorf("outbox has %s cloud-acked up to %d, want 250", u, seq)
		}
	}
	r.col.mu.Lock()
	copies := r.col.copies
	r.col.mu.Unlock()
	if copies != 750 {
		t.Errorf("collector got %d messages for 750 entries on a healthy connection", copies)
	}
}

func TestBridgeLosesNothingWhenTheCloudBrokerRestarts(t *testing.T) {
	r := newRig(t, time.Second, true)
	units := []string{"door-1", "exit-1"}
	r.backlog(units, 1, 1500, nil)
	r.start()
	waitFor(t, "the drain to be under way", func() bool { return r.col.count() >= 500 })

	r.cloud.stop()
	waitFor(t, "the bridge to notice", func() bool { return !r.b.Connected() })
	for seq := uint64(1501); seq <= 1600; seq++ { // the doors go on while the cloud is away
		for _, u := range units {
			r.live(u, seq)
		}
	}
	r.cloud = startBroker(t, r.cloud.addr) // same port, no retained acks left

	got := r.drained(3200)
	for _, u := range units {
		if seq := r.ackedSeq(u); seq != 1600 {
			t.Errorf("outbox has %s cloud-acked up to %d, want 1600", u, seq)
		}
	}
	for seq := uint64(1501); seq <= 1600; seq++ {
		if e := got[key{"door-1", seq}]; !e.Historical {
			t.Errorf("door-1 seq %d stored while the cloud was away arrived as live", seq)
		}
	}
}

func TestBridgeSendsLiveEntriesBeforeTheBacklog(t *testing.T) {
	r := newRig(t, time.Minute, true)
	r.col.holdAcks(true) // the window fills and the backlog stops
	r.backlog([]string{"door-1"}, 1, 2500, nil)
	r.start()
	waitFor(t, "a window of backlog", func() bool { return r.col.count() >= window })
	for seq := uint64(1); seq <= 5; seq++ {
		r.live("door-2", seq)
	}
	waitFor(t, "the live entries", func() bool { return r.col.count() >= window+5 })
	if _, arr := r.col.snapshot(); len(arr) != window+5 {
		t.Fatalf("%d entries out with acks withheld, want the window of %d plus 5 live", len(arr), window)
	}
	r.col.holdAcks(false)
	r.drained(2505)

	_, arr := r.col.snapshot()
	lastLive := slices.IndexFunc(arr, func(a arrival) bool { return a.unit == "door-2" && a.seq == 5 })
	backlogAfter := 0
	for i, a := range arr {
		if a.historical != (a.unit == "door-1") {
			t.Errorf("%v: historical %v; only the backlog (door-1) is", a.key, a.historical)
		}
		if i > lastLive && a.unit == "door-1" {
			backlogAfter++
		}
	}
	if backlogAfter != 1500 {
		t.Errorf("%d backlog entries arrived after the live ones, want the 1500 beyond the window", backlogAfter)
	}
}

func TestBridgeSendsBacklogAlertsFirst(t *testing.T) {
	r := newRig(t, time.Minute, true)
	alerts := map[uint64]string{300: "fever", 700: "health_code_red", 1150: "fever", 1200: "watch_quarantine"}
	r.backlog([]string{"door-1"}, 1, 1200, alerts)
	r.start()
	r.drained(1200)
	_, arr := r.col.snapshot()
	for i, seq := range []uint64{300, 700, 1150, 1200} {
		if a := arr[i]; a.seq != seq || a.alert != alerts[seq] || !a.historical {
			t.Errorf("arrival %d is %+v, want the historical %s alert at seq %d", i, a, alerts[seq], seq)
		}
	}
}

func TestBridgeDrainsBacklogWhileLiveEntriesAwaitTheirAck(t *testing.T) {
	if testing.Short() {
		t.Skip("drains for seconds, and the hold must end within the ack timeout")
	}
	const backlog, live = 3000, window + 200
	r := newRig(t, 10*time.Second, true)
	r.col.holdAcks(true) // so the live entries go out while the backlog is still to come
	r.backlog([]string{"door-1"}, 1, backlog, nil)
	r.start()
	waitFor(t, "a window of backlog", func() bool { return r.col.count() >= window })
	// door-1's live entries, stored in one go and offered: the cloud can
	// ack them only once its backlog below them is stored, and a window's
	// worth of them go out at once.
	var es []wire.Entry
	for seq := uint64(backlog + 1); seq < backlog+live; seq++ {
		es = append(es, entry(testSite, "door-1", seq, ""))
	}
	r.out.addMany(t, es)
	r.live("door-1", backlog+live)
	waitFor(t, "a window of live entries", func() bool { return r.col.count() >= 2*window })
	r.col.holdAcks(false)
	start := time.Now()
	r.drained(backlog + live)
	r.col.mu.Lock()
	copies := r.col.copies
	r.col.mu.Unlock()
	if copies != backlog+live {
		t.Errorf("collector got %d messages for %d entries: the backlog stopped behind the live entries "+
			"until the ack timed out", copies, backlog+live)
	}
	if took := time.Since(start); took >= r.b.opts.AckTimeout {
		t.Errorf("the drain took %v, as long as the ack timeout", took)
	}
}

func TestBridgeDrainsABacklogWithMoreAlertsThanItsWindow(t *testing.T) {
	r := newRig(t, 10*time.Second, true) // long enough that only a stuck backlog times out, even under -race
	alerts := map[uint64]string{}
	for seq := uint64(1); seq <= 2*window+100; seq += 2 {
		alerts[seq] = "fever"
	}
	r.backlog([]string{"door-1"}, 1, 2*window+100, alerts) // window + 50 alerts
	r.start()
	// One deadline for the whole drain: a stuck one keeps re-sending.
	testenv.Await(t, "the whole backlog stored (a stuck one: the alerts sent ahead filled its window)", hangGuard,
		func() bool { return r.col.count() >= 2*window+100 })
	r.drained(2*window + 100)
	r.col.mu.Lock()
	copies := r.col.copies
	r.col.mu.Unlock()
	if copies != 2*window+100 {
		t.Errorf("collector got %d messages for %d entries", copies, 2*window+100)
	}
}
