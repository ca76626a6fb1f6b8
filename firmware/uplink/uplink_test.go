package uplink

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/wire"
)

var _ Source = (*ledger.Ledger)(nil)

// nothingPending is a Source for tests that never run the uplink.
type nothingPending struct{}

func (nothingPending) Pending(context.Context, uint64, int) ([]ledger.Record, error) { return nil, nil }
func (nothingPending) Acknowledged(context.Context) (uint64, error)                  { return 0, nil }
func (nothingPending) PendingAlerts(context.Context, uint64, int) ([]ledger.Record, error) {
	return nil, nil
}
func (nothingPending) LastSeq(context.Context) (uint64, error)         { return 0, nil }
func (nothingPending) MarkDeliveredUpTo(context.Context, uint64) error { return nil }
func (nothingPending) Backlog(context.Context) (int, time.Time, error) { return 0, time.Time{}, nil }

var testStatus = wire.Status{
	Site: "sunshine-garden", Unit: "north-gate", Facility: "community", Lane: wire.LaneIn,
	Firmware: "test", PolicyVersion: "default-1", BootID: "boot-1",
}

// watched is the real ledger plus a signal after every MarkDeliveredUpTo, so
// a test can wait for the backlog to empty without polling on a clock.
type watched struct {
	*ledger.Ledger
	marked chan struct{}
	next   atomic.Int64 // entry id counter
}

func newLedger(t testing.TB) *watched {
	t.Helper()
	l, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &watched{Ledger: l, marked: make(chan struct{}, 1)}
}

func (w *watched) MarkDeliveredUpTo(ctx context.Context, seq uint64) error {
	err := w.Ledger.MarkDeliveredUpTo(ctx, seq)
	select {
	case w.marked <- struct{}{}:
	default:
	}
	return err
}

// add appends one entry as the screening pipeline would.
func (w *watched) add() (wire.Entry, error) {
	e := w.entry("")
	err := w.Append(context.Background(), &e)
	return e, err
}

// entry makes the next entry, with an alert if alert is not empty.
func (w *watched) entry(alert string) wire.Entry {
	i := w.next.Add(1)
	return wire.Entry{
		Schema: wire.SchemaVersion, ID: fmt.Sprintf("entry-%06d", i),
		Site: testStatus.Site, Unit: testStatus.Unit, BootID: "boot-1", Lane: wire.LaneIn,
		Time: time.Date(2026, 11, 23, 8, 0, int(i), 0, time.UTC), ClockSynced: true,
		Credential:    wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid"},
		Decision:      wire.Allow,
		Reasons:       []wire.Reason{{Code: "ok", ZH: "通过", EN: "pass"}},
		PolicyVersion: "default-1", Alert: alert,
	}
}

// addN appends n entries in one transaction, a backlog left by an outage;
// alerts maps the 1-based positions among them that carry an alert.
func (w *watched) addN(t testing.TB, n int, alerts ...int) {
	t.Helper()
	es := make([]wire.Entry, n)
	for i := range es {
		es[i] = w.entry("")
		if slices.Contains(alerts, i+1) {
			es[i].Alert = "fever"
		}
	}
	if err := w.AppendBatch(context.Background(), es); err != nil {
		t.Fatal(err)
	}
}

func (w *watched) awaitEmptyBacklog(t testing.TB) {
	t.Helper()
	for {
		n, _, err := w.Backlog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		select {
		case <-w.marked:
		case <-time.After(hangGuard):
			t.Fatalf("%d entries still pending", n)
		}
	}
}

// startUplink runs an uplink with short retry delays; the returned stop
// cancels it and returns Run's result. Cleanup stops it too. Each of adjust
// may change the options first.
func startUplink(t testing.TB, src Source, brokerURL string, adjust ...func(*Options)) (*Uplink, func() error) {
	t.Helper()
	u := newUplink(t, src, brokerURL, adjust...)
	return u, runUplink(t, u)
}

// newUplink is startUplink without the start, for a test that changes the
// uplink's timing first.
func newUplink(t testing.TB, src Source, brokerURL string, adjust ...func(*Options)) *Uplink {
	t.Helper()
	o := Options{Broker: brokerURL, Status: testStatus}
	for _, f := range adjust {
		f(&o)
	}
	u, err := New(src, o)
	if err != nil {
		t.Fatal(err)
	}
	u.t.retryMin, u.t.retryMax = 10*time.Millisecond, 200*time.Millisecond
	return u
}

// runUplink runs u as startUplink does.
func runUplink(t testing.TB, u *Uplink) func() error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	stop := sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(hangGuard):
			return fmt.Errorf("Run did not return after cancel")
		}
	})
	t.Cleanup(func() { stop() })
	return stop
}

func batchOf(n int) func(*Options) { return func(o *Options) { o.BatchSize = n } }

func TestUplinkPublishesPendingEntriesInSeqOrderAndMarksThemDeliveredOnTheCollectorsAck(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	startCollector(t, b.url)
	l := newLedger(t)
	l.addN(t, 25)
	u, _ := startUplink(t, l, b.url, batchOf(10)) // three batches
	for want := uint64(1); want <= 25; want++ {
		if e := capt.nextEntry(); e.Seq != want {
			t.Fatalf("broker got seq %d, want %d", e.Seq, want)
		}
	}
	l.awaitEmptyBacklog(t)
	if !u.Connected() {
		t.Fatal("Connected() = false while delivering")
	}

	l.addN(t, 5)
	u.Notify()
	for want := uint64(26); want <= 30; want++ {
		if e := capt.nextEntry(); e.Seq != want {
			t.Fatalf("after Notify broker got seq %d, want %d", e.Seq, want)
		}
	}
	l.awaitEmptyBacklog(t)
}

func TestUplinkBirthIsRetainedOnlineAndWillSaysOfflineWhenConnectionDies(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	u, _ := startUplink(t, newLedger(t), b.url)
	topic := wire.StatusTopic(testStatus.Site, testStatus.Unit)

	birth := capt.awaitStatus(wire.Online)
	if birth.Facility != "community" || birth.BootID != "boot-1" || birth.PolicyVersion != "default-1" ||
		birth.Firmware != "test" || birth.Lane != wire.LaneIn {
		t.Fatalf("birth lost template fields: %+v", birth)
	}
	if s := b.retainedStatus(t, topic); s.State != wire.Online {
		t.Fatalf("retained status after birth = %s, want online", s.State)
	}

	b.gate.blocked.Store(u.opts.ClientID, struct{}{}) // keep it from coming straight back
	b.cutClient(t, u.opts.ClientID)
	capt.awaitStatus(wire.Offline)
	if s := b.retainedStatus(t, topic); s.State != wire.Offline {
		t.Fatalf("retained status after the connection died = %s, want offline", s.State)
	}

	b.gate.blocked.Delete(u.opts.ClientID)
	capt.awaitStatus(wire.Online)
	if s := b.retainedStatus(t, topic); s.State != wire.Online {
		t.Fatalf("retained status after reconnect = %s, want online", s.State)
	}
}

func TestUplinkRunReturnsNilAndLeavesOfflineStatusOnShutdown(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	u, stop := startUplink(t, newLedger(t), b.url)
	capt.awaitStatus(wire.Online)
	if err := stop(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	capt.awaitStatus(wire.Offline)
	if s := b.retainedStatus(t, wire.StatusTopic(testStatus.Site, testStatus.Unit)); s.State != wire.Offline {
		t.Fatalf("retained status after shutdown = %s, want offline", s.State)
	}
	if u.Connected() {
		t.Fatal("Connected() = true after Run returned")
	}
}

func TestUplinkRepublishesStatusWhenADeviceFails(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	u, _ := startUplink(t, newLedger(t), b.url)
	if birth := capt.awaitStatus(wire.Online); len(birth.Devices) != 0 {
		t.Fatalf("birth before any device report lists %v", birth.Devices)
	}
	fault := []wire.Device{{Name: "scanner", OK: false, Detail: "unplugged"}, {Name: "thermometer", OK: true}}
	u.SetDevices(fault)
	s := capt.awaitStatus(wire.Online)
	if len(s.Devices) != 2 || s.Devices[0] != fault[0] {
		t.Fatalf("status after the fault lists %+v, want %+v", s.Devices, fault)
	}
	if r := b.retainedStatus(t, wire.StatusTopic(testStatus.Site, testStatus.Unit)); len(r.Devices) != 2 || r.Devices[0].OK {
		t.Fatalf("retained status does not carry the fault: %+v", r)
	}
}

func TestUplinkResendsAfterBrokerRestart(t *testing.T) {
	capt := newCapture(t)
	b1 := startBroker(t, "127.0.0.1:0", capt)
	coll := startCollector(t, b1.url)
	l := newLedger(t)
	// Entries sent while the collector is still reconnecting to the new
	// broker are lost to it; the ack timeout brings them back.
	u, _ := startUplink(t, l, b1.url, func(o *Options) { o.AckTimeout = 300 * time.Millisecond })
	l.addN(t, 20)
	u.Notify()
	l.awaitEmptyBacklog(t)
	capt.awaitStatus(wire.Online) // first broker's birth

	// The broker goes away in the middle of a stream of entries.
	appended := appendWhile(l, u, 40, 10, b1.stop)
	if err := <-appended; err != nil {
		t.Fatal(err)
	}
	startBroker(t, b1.addr, capt)
	capt.awaitStatus(wire.Online) // the uplink found the new broker
	l.addN(t, 10)
	u.Notify()

	coll.awaitContig(70)
	l.awaitEmptyBacklog(t)
	for _, e := range coll.received() {
		if e.Seq < 1 || e.Seq > 70 {
			t.Fatalf("collector got unexpected seq %d", e.Seq)
		}
	}
}

// appendWhile appends n entries, notifying the uplink after each, and calls
// during once `at` of them are in; the channel yields the first error or nil.
func appendWhile(l *watched, u *Uplink, n, at int, during func()) <-chan error {
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if i == at {
				during()
			}
			if _, err := l.add(); err != nil {
				done <- err
				return
			}
			u.Notify()
		}
		done <- nil
	}()
	return done
}

func TestNewRejectsBadOptions(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Options)
		want   string
	}{
		{"no broker", func(o *Options) { o.Broker = "" }, "uplink: broker"},
		{"broker without scheme", func(o *Options) { o.Broker = "127.0.0.1:1883" }, "uplink: broker"},
		{"bad site", func(o *Options) { o.Status.Site = "a/b" }, "uplink: status template: wire: status site"},
		{"no unit", func(o *Options) { o.Status.Unit = "" }, "uplink: status template: wire: status unit"},
		{"negative batch", func(o *Options) { o.BatchSize = -1 }, "uplink: batch size -1"},
		{"rate below unlimited", func(o *Options) { o.BacklogRate = -2 }, "uplink: backlog rate -2"},
		{"negative window", func(o *Options) { o.Window = -1 }, "uplink: window -1"},
		{"negative heartbeat", func(o *Options) { o.Heartbeat = -time.Second }, "uplink: ack timeout"},
		{"TLS files on a plain URL", func(o *Options) { o.CAFile = "ca.pem" }, "uplink: TLS files given"},
		{"cert without key", func(o *Options) { o.Broker, o.CertFile = "ssl://127.0.0.1:8883", "c.pem" }, "uplink: a client certificate needs both"},
		{"missing CA file", func(o *Options) { o.Broker, o.CAFile = "ssl://127.0.0.1:8883", "/nonexistent/ca.pem" }, "uplink: CA file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Broker: "tcp://127.0.0.1:1883", Status: testStatus}
			tc.mutate(&o)
			if _, err := New(nothingPending{}, o); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error starting %q", err, tc.want)
			}
		})
	}
}

func TestNewAppliesDefaultsAndNotifyNeverBlocks(t *testing.T) {
	u, err := New(nothingPending{}, Options{Broker: "tcp://127.0.0.1:1883", Status: testStatus})
	if err != nil {
		t.Fatal(err)
	}
	if o := u.opts; o.ClientID != "kakou-sunshine-garden-north-gate" || o.BatchSize != DefaultBatchSize ||
		o.BacklogRate != DefaultBacklogRate || o.Window != DefaultWindow ||
		o.AckTimeout != DefaultAckTimeout || o.Heartbeat != DefaultHeartbeat {
		t.Fatalf("defaults not applied: %+v", o)
	}
	if _, err := New(nil, u.opts); err == nil || !strings.HasPrefix(err.Error(), "uplink: nil Source") {
		t.Fatalf("New(nil, …) = %v, want uplink: nil Source", err)
	}
	for range 3 { // nobody is listening: the wake-ups must merge, not block
		u.Notify()
	}
	if u.Connected() {
		t.Fatal("Connected() = true before Run")
	}
}
