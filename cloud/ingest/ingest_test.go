package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/broker"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// wait is a ceiling on every blocking step, not a timing assertion.
const wait = 10 * time.Second

// raceDetector is set by race_test.go when built with -race.
var raceDetector bool

var t0 = time.Date(2022, 4, 1, 8, 0, 0, 0, time.UTC)

func startBroker(t testing.TB) string { return newBroker(t).URL() }

// newBroker is a started embedded broker, for tests that ask it what it
// dropped.
func newBroker(t testing.TB) *broker.Broker {
	t.Helper()
	b, err := broker.New("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func startIngest(t testing.TB, st Store, url, clientID string) *Ingest {
	t.Helper()
	in, err := New(st, Options{BrokerURL: url, ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := in.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Stop)
	return in
}

// unit is a publisher standing in for a checkpoint unit.
func unit(t testing.TB, url string) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("unit-under-test"))
	if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("unit connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

func publish(t testing.TB, c paho.Client, topic string, retained bool, payload any) {
	t.Helper()
	b, ok := payload.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(payload); err != nil {
			t.Fatal(err)
		}
	}
	if tok := c.Publish(topic, 1, retained, b); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

func entry(site, unitID string, seq uint64) wire.Entry {
	return wire.Entry{Schema: wire.SchemaVersion, ID: fmt.Sprintf("%s-%d", unitID, seq),
		Site: site, Unit: unitID, Seq: seq, BootID: "b1", Lane: wire.LaneIn,
		Time: t0.Add(time.Duration(seq) * time.Second), ClockSynced: true,
		Credential: wire.Credential{Kind: wire.CredentialNone, Result: "none"},
		Decision:   wire.Allow, Reasons: []wire.Reason{}, PolicyVersion: "default-1"}
}

func handled(in *Ingest, n uint64) func() bool {
	return func() bool { s := in.Stats(); return s.Accepted+s.Rejected >= n }
}

func entries(t testing.TB, s *sqlite.Store) []store.Record {
	t.Helper()
	got, err := s.Entries(context.Background(), store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestIngestStoresEntriesAndUnitStatus(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	in := startIngest(t, s, url, "cloud")
	u := unit(t, url)
	st := wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: "u1",
		State: wire.Online, Firmware: "0.1.0", Time: t0}
	publish(t, u, wire.StatusTopic("site-a", "u1"), true, st)
	for seq := uint64(1); seq <= 3; seq++ {
		publish(t, u, wire.EntryTopic("site-a", "u1"), false, entry("site-a", "u1", seq))
	}
	// The retained status may arrive twice, live and as the retained copy
	// the broker sends for a subscription still being set up; both are fine.
	testenv.Await(t, "3 entries stored", wait, func() bool { return len(entries(t, s)) == 3 })
	testenv.Await(t, "status stored", wait, handled(in, 4))

	if got := entries(t, s); got[0].ID != "u1-3" || got[2].ID != "u1-1" {
		t.Fatalf("stored %+v, want u1-3, u1-2, u1-1", got)
	}
	units, err := s.Units(context.Background(), t0)
	if err != nil || len(units) != 1 || !units[0].Online || units[0].Firmware != "0.1.0" {
		t.Fatalf("units = %+v, %v; want u1 online with firmware 0.1.0", units, err)
	}
	if stats := in.Stats(); stats.Rejected != 0 || stats.Duplicates != 0 {
		t.Fatalf("stats = %+v", stats)
	}
}

func TestIngestStoresReSentEntryOnce(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	in := startIngest(t, s, url, "cloud")
	u := unit(t, url)
	e := entry("site-a", "u1", 1)
	publish(t, u, wire.EntryTopic("site-a", "u1"), false, e)
	publish(t, u, wire.EntryTopic("site-a", "u1"), false, e)
	testenv.Await(t, "2 messages handled", wait, handled(in, 2))
	if got := entries(t, s); len(got) != 1 {
		t.Fatalf("stored %d entries, want 1", len(got))
	}
	if stats := in.Stats(); stats != (Stats{Accepted: 2, Duplicates: 1}) {
		t.Fatalf("stats = %+v", stats)
	}
}

func TestIngestRejectsMalformedMessagesAndKeepsGoing(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	in := startIngest(t, s, url, "cloud")
	u := unit(t, url)
	newer := entry("site-a", "u1", 1)
	newer.Schema = wire.SchemaVersion + 1
	noLane := entry("site-a", "u1", 2)
	noLane.Lane = ""
	huge := entry("site-a", "u1", 1<<63) // would fail every store retry
	bad := []struct {
		name, topic string
		payload     any
	}{
		{"not JSON", wire.EntryTopic("site-a", "u1"), []byte("{not json")},
		{"newer schema", wire.EntryTopic("site-a", "u1"), newer},
		{"invalid field", wire.EntryTopic("site-a", "u1"), noLane},
		{"seq beyond SQLite's INTEGER", wire.EntryTopic("site-a", "u1"), huge},
		{"site differs from topic", wire.EntryTopic("site-b", "u1"), entry("site-a", "u1", 3)},
		{"unit differs from topic", wire.EntryTopic("site-a", "u2"), entry("site-a", "u1", 4)},
		{"status of another unit", wire.StatusTopic("site-a", "u2"),
			wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: "u1", State: wire.Online}},
	}
	for _, b := range bad {
		publish(t, u, b.topic, false, b.payload)
	}
	publish(t, u, wire.EntryTopic("site-a", "u1"), false, entry("site-a", "u1", 5))
	testenv.Await(t, "all messages handled", wait, handled(in, uint64(len(bad)+1)))

	if stats := in.Stats(); stats != (Stats{Accepted: 1, Rejected: uint64(len(bad))}) {
		t.Fatalf("stats = %+v, want 1 accepted and %d rejected", stats, len(bad))
	}
	if got := entries(t, s); len(got) != 1 || got[0].ID != "u1-5" {
		t.Fatalf("stored %+v, want only u1-5", got)
	}
}

func TestIngestReceivesEntriesQueuedWhileCollectorWasDown(t *testing.T) {
	url, s := startBroker(t), openStore(t)
	first := startIngest(t, s, url, "cloud")
	first.Stop()

	u := unit(t, url)
	for seq := uint64(1); seq <= 5; seq++ {
		publish(t, u, wire.EntryTopic("site-a", "u1"), false, entry("site-a", "u1", seq))
	}
	again := startIngest(t, s, url, "cloud") // same client id: same session
	testenv.Await(t, "queued entries delivered", wait, handled(again, 5))
	if got := entries(t, s); len(got) != 5 {
		t.Fatalf("stored %d entries, want the 5 queued", len(got))
	}
}

// flakyStore fails its first writes, like a disk that is briefly locked.
type flakyStore struct {
	*sqlite.Store
	failures, attempts atomic.Int32
}

func (f *flakyStore) PutEntries(ctx context.Context, e []wire.Entry, at time.Time) (store.PutResult, error) {
	f.attempts.Add(1)
	if f.failures.Add(-1) >= 0 {
		return store.PutResult{}, errors.New("disk I/O error")
	}
	return f.Store.PutEntries(ctx, e, at)
}

func TestIngestRetriesFailedStoreBeforeAcknowledging(t *testing.T) {
	url := startBroker(t)
	flaky := &flakyStore{Store: openStore(t)}
	flaky.failures.Store(2)
	in := startIngest(t, flaky, url, "cloud")
	publish(t, unit(t, url), wire.EntryTopic("site-a", "u1"), false, entry("site-a", "u1", 1))
	testenv.Await(t, "entry stored after retries", wait, handled(in, 1))
	if got := entries(t, flaky.Store); len(got) != 1 || in.Stats().Rejected != 0 {
		t.Fatalf("stored %d entries, stats %+v; want 1 entry, nothing rejected", len(got), in.Stats())
	}
}

func TestIngestLeavesWhatItCouldNotStoreWithTheBrokerOnStop(t *testing.T) {
	url := startBroker(t)
	broken := &flakyStore{Store: openStore(t)}
	broken.failures.Store(1 << 30) // the disk never recovers
	in := startIngest(t, broken, url, "cloud")
	publishEntries(t, unit(t, url), "u1", 1, 2, 3)
	testenv.Await(t, "a store attempt", wait, func() bool { return broken.attempts.Load() > 0 })
	in.Stop()

	again := startIngest(t, broken.Store, url, "cloud") // a healthy disk, same session
	testenv.Await(t, "entries redelivered and stored", wait, func() bool { return len(entries(t, broken.Store)) == 3 })
	if stats := again.Stats(); stats.Accepted < 3 || stats.Rejected != 0 {
		t.Fatalf("stats after restart %+v, want the 3 entries accepted", stats)
	}
}

func TestIngestStartFailsWhenBrokerUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	in, err := New(openStore(t), Options{BrokerURL: "tcp://" + addr, ClientID: "cloud"})
	if err != nil {
		t.Fatal(err)
	}
	err = in.Start(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "ingest: connect") {
		t.Fatalf("Start = %v, want an ingest: connect error", err)
	}
}

func TestNewRejectsIncompleteOptions(t *testing.T) {
	s := openStore(t)
	for _, tt := range []struct {
		name  string
		store Store
		opts  Options
	}{
		{"no store", nil, Options{BrokerURL: "tcp://127.0.0.1:1883", ClientID: "c"}},
		{"no broker", s, Options{ClientID: "c"}},
		{"url without host", s, Options{BrokerURL: "127.0.0.1:1883", ClientID: "c"}},
		{"no client id", s, Options{BrokerURL: "tcp://127.0.0.1:1883"}},
	} {
		if _, err := New(tt.store, tt.opts); err == nil {
			t.Errorf("%s: New accepted it", tt.name)
		}
	}
}

// gatedStore holds every write until open is closed, like a disk stalled
// by a long checkpoint, then keeps only the seqs it was given: the test
// is about reading from the broker, not about SQLite.
type gatedStore struct {
	*sqlite.Store // for statuses and dead letters
	open          chan struct{}
	mu            sync.Mutex
	seqs          map[uint64]bool
}

func (g *gatedStore) PutEntries(_ context.Context, e []wire.Entry, _ time.Time) (store.PutResult, error) {
	<-g.open
	g.mu.Lock()
	defer g.mu.Unlock()
	n := len(g.seqs)
	for i := range e {
		g.seqs[e[i].Seq] = true
	}
	return store.PutResult{Inserted: len(g.seqs) - n}, nil
}

// A stalled store must not stall reading from the broker: mochi drops
// messages for a subscriber whose socket backs up, after it has PUBACKed
// the unit. More entries than the writer's batch, the sockets' buffers
// and mochi's 8,192 waiting writes together are published while the store
// is stalled; every one must be stored and none dropped.
func TestIngestKeepsReadingWhileTheStoreStalls(t *testing.T) {
	if raceDetector {
		t.Skip("40,000 publishes take minutes under -race; make check runs this test without it (no-race)")
	}
	const n = 40_000
	b := newBroker(t)
	gated := &gatedStore{Store: openStore(t), open: make(chan struct{}), seqs: map[uint64]bool{}}
	in := startIngest(t, gated, b.URL(), "cloud")
	release := sync.OnceFunc(func() { close(gated.open) })
	t.Cleanup(release) // before in.Stop, which waits for the writer
	u := unit(t, b.URL())
	toks := make([]paho.Token, 0, n)
	for seq := uint64(1); seq <= n; seq++ {
		p, err := json.Marshal(entry("site-a", "u1", seq))
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, u.Publish(wire.EntryTopic("site-a", "u1"), wire.QoSEntry, false, p))
	}
	if err := waitAll(toks); err != nil {
		t.Fatal(err)
	}
	release()
	testenv.Await(t, "every entry stored", wait, handled(in, n))
	if d := b.Dropped(); d != 0 {
		t.Fatalf("the broker dropped %d entries meant for the collector", d)
	}
	gated.mu.Lock()
	defer gated.mu.Unlock()
	if len(gated.seqs) != n {
		t.Fatalf("stored %d distinct entries, want %d", len(gated.seqs), n)
	}
}
