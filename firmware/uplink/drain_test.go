package uplink

import (
	"sync/atomic"
	"testing"
	"time"
)

// A drain after a long outage, scaled down: the same window, batch and ack
// timeout relative to the backlog rate and the live rate as a unit's
// defaults after a three-minute outage at a busy lane, in seconds rather
// than minutes.
type drainCase struct {
	backlog  int // entries pending when the uplink connects
	liveRate int // live entries appended per second during the drain
	opts     func(*Options)
}

// drainRun is what the collector saw of a drain.
type drainRun struct {
	took   time.Duration // from the backlog's first entry to its last
	want   time.Duration // backlog / BacklogRate
	resent int           // copies received beyond each entry's first
	live   int           // live entries appended during the drain
	p99    time.Duration // of the live entries' time from Append to the collector
}

func (r drainRun) ratio() float64 { return r.took.Seconds() / r.want.Seconds() }

// run drains c.backlog through the embedded broker to a collector that acks
// contiguous prefixes, as the real one does, while live entries arrive.
func (c drainCase) run(tb testing.TB) drainRun {
	tb.Helper()
	brk := startBroker(tb, "127.0.0.1:0", nil)
	coll := startCollector(tb, brk.url)
	l := newLedger(tb)
	l.addN(tb, c.backlog)
	u, stopUplink := startUplink(tb, l, brk.url, c.opts)
	coll.awaitContig(1) // connected: what is appended from now on is live
	appended := liveTraffic(tb, l, u, c.liveRate)
	coll.awaitContig(uint64(c.backlog))
	at := appended()
	var last uint64
	for seq := range at {
		last = max(last, seq)
	}
	coll.awaitContig(last)
	stopUplink()

	r := drainRun{want: time.Duration(float64(c.backlog) / float64(u.opts.BacklogRate) * float64(time.Second)),
		live: len(at), p99: p99(coll, at)}
	coll.mu.Lock()
	defer coll.mu.Unlock()
	first, end := coll.firstAt[1], coll.firstAt[1]
	for seq := uint64(1); seq <= uint64(c.backlog); seq++ {
		first, end = earlier(first, coll.firstAt[seq]), later(end, coll.firstAt[seq])
	}
	r.took = end.Sub(first)
	r.resent = len(coll.got) - len(coll.firstAt)
	return r
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// liveTraffic appends a live entry perSecond times a second, and notifies
// the uplink, until the returned function is called; that returns when
// each entry was appended, by seq.
func liveTraffic(tb testing.TB, l *watched, u *Uplink, perSecond int) func() map[uint64]time.Time {
	if perSecond == 0 {
		return func() map[uint64]time.Time { return nil }
	}
	var stop atomic.Bool
	done := make(chan map[uint64]time.Time, 1)
	go func() {
		at := map[uint64]time.Time{}
		tick := time.NewTicker(time.Second / time.Duration(perSecond))
		defer tick.Stop()
		for !stop.Load() {
			<-tick.C
			e, err := l.add()
			if err != nil {
				tb.Error(err)
				break
			}
			at[e.Seq] = time.Now()
			u.Notify()
		}
		done <- at
	}()
	return func() map[uint64]time.Time {
		stop.Store(true)
		return <-done
	}
}

// scaledDrain is a unit's defaults (window 1,000, batch 100, ack timeout
// 30 s) and a 500 entries/s backlog rate, a tenth the size: live entries at
// 100-140 a second fill the window in under a second.
func scaledDrain(o *Options) {
	o.Window, o.BatchSize, o.BacklogRate, o.AckTimeout = 100, 10, 500, 3*time.Second
}

func TestUplinkDrainsBacklogAtItsRateWhileLiveEntriesAwaitTheirAck(t *testing.T) {
	if testing.Short() {
		t.Skip("drains for seconds")
	}
	// A smaller, slower drain than scaledDrain, so the race detector's
	// slower ledger keeps up; live entries still fill the window twice.
	// With one window for both lanes the backlog stops until the ack times
	// out, however long that is, and the window is sent again: that re-send
	// is what this test looks for. How fast the drain goes is the
	// benchmark's to measure (BenchmarkDrainUnderLiveTraffic), not a
	// test's on a shared machine.
	c := drainCase{backlog: 800, liveRate: 100, opts: func(o *Options) {
		o.Window, o.BatchSize, o.BacklogRate, o.AckTimeout = 50, 10, 200, 5*time.Second
	}}
	r := c.run(t)
	t.Logf("backlog of %d drained in %v (backlog/rate %v); %d live entries meanwhile, p99 %v",
		c.backlog, r.took.Round(time.Millisecond), r.want, r.live, r.p99)
	if r.resent > 0 {
		t.Errorf("%d entries were sent again: the ack timed out while live entries waited behind the backlog", r.resent)
	}
	if r.live < 50 {
		t.Errorf("only %d live entries were appended during the drain", r.live)
	}
}
