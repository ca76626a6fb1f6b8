package bridge

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/store"
)

const (
	testSite    = "riverside-market"
	testGateway = "gw-1"
)

// rig is a gateway's bridge between real parts: an embedded mochi broker
// as the cloud, a collector on it, a second broker as the site's LAN and
// a SQLite outbox.
type rig struct {
	t     testing.TB
	cloud *broker
	lan   *broker
	out   *sqlOutbox
	col   *collector // nil when the test runs without one
	b     *Bridge

	cancel context.CancelFunc
	done   chan error
}

func newRig(t testing.TB, ackTimeout time.Duration, withCollector bool) *rig {
	t.Helper()
	r := &rig{t: t, cloud: startBroker(t, "127.0.0.1:0"), lan: startBroker(t, "127.0.0.1:0"),
		out: newOutbox(t, testSite)}
	if withCollector {
		r.col = startCollector(t, r.cloud.url)
	}
	b, err := New(Options{Broker: r.cloud.url, Site: testSite, Gateway: testGateway,
		Facility: "supermarket", Firmware: "test-1", AckTimeout: ackTimeout,
		Outbox: r.out, Local: r.lan, Log: testLog()})
	if err != nil {
		t.Fatal(err)
	}
	b.t.retryMin, b.t.retryMax = 20*time.Millisecond, 200*time.Millisecond
	b.t.poll, b.t.mark = 100*time.Millisecond, 20*time.Millisecond
	b.t.heartbeat = time.Hour        // statuses a test awaits are births and wills
	b.t.conn.Write = 2 * time.Second // a Publish racing with a cut blocks this long
	r.b = b
	return r
}

// start runs the bridge until stop or the test's end.
func (r *rig) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.b.Run(ctx) }()
	r.t.Cleanup(r.stop)
}

// stop ends Run and waits for it: the bridge says goodbye.
func (r *rig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("Run: %v", err)
		}
	case <-time.After(hangGuard):
		r.t.Error("Run did not return after its context ended")
	}
}

// connected waits for the bridge to be online.
func (r *rig) connected() {
	r.t.Helper()
	waitFor(r.t, "the bridge to connect", r.b.Connected)
}

// backlog stores n entries of each unit, seqs from..from+n-1, before the
// bridge forwards them; alert is set on the seqs alerts names.
func (r *rig) backlog(units []string, from, n uint64, alerts map[uint64]string) {
	var es []wire.Entry
	for seq := from; seq < from+n; seq++ {
		for _, u := range units {
			es = append(es, entry(testSite, u, seq, alerts[seq]))
		}
	}
	r.out.addMany(r.t, es)
}

// live stores one entry and offers it, as the LAN side does.
func (r *rig) live(unit string, seq uint64) store.Record {
	rec := r.out.add(r.t, entry(testSite, unit, seq, ""))
	r.b.Offer(rec)
	return rec
}

// drained waits until the collector holds want entries and the outbox has
// none left unacknowledged, then checks each one arrived as it was stored.
func (r *rig) drained(want int) map[key]wire.Entry {
	r.t.Helper()
	waitFor(r.t, "every entry at the collector", func() bool { return r.col.count() >= want })
	waitFor(r.t, "the outbox to be acknowledged", func() bool { return r.out.backlog(r.t) == 0 })
	got, _ := r.col.snapshot()
	if len(got) != want {
		r.t.Fatalf("collector holds %d entries, want %d", len(got), want)
	}
	for k, e := range got {
		if e.ID != entry(testSite, k.unit, k.seq, "").ID {
			r.t.Errorf("%v arrived with id %q", k, e.ID)
		}
	}
	return got
}

// ackedSeq is the outbox's cloud ack for unit.
func (r *rig) ackedSeq(unit string) uint64 {
	seq, err := r.out.CloudAckedSeq(context.Background(), unit)
	if err != nil {
		r.t.Fatal(err)
	}
	return seq
}

func testLog() *slog.Logger {
	if os.Getenv("BRIDGE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug - 4}))
	}
	return slog.New(slog.DiscardHandler)
}
