package lan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/occupancy"
	"github.com/kakou/kakou/gateway/store"
)

const testSite = "riverside-market"

// gateway is a store and a LAN server over it, in a temp dir that outlives
// a restart.
type gateway struct {
	t    testing.TB
	dir  string
	st   *store.Store
	srv  *Server
	logs *syncBuffer
	opts Options
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startGateway(t testing.TB, capacity int, lanes map[string]occupancy.Role) *gateway {
	g := &gateway{t: t, dir: t.TempDir(), logs: &syncBuffer{},
		opts: Options{Site: testSite, Listen: "127.0.0.1:0", Capacity: capacity, Lanes: lanes}}
	g.open()
	t.Cleanup(g.close)
	return g
}

func (g *gateway) open() {
	g.t.Helper()
	st, err := store.Open(filepath.Join(g.dir, "gateway.db"))
	if err != nil {
		g.t.Fatal(err)
	}
	o := g.opts
	o.Store, o.Log = st, slog.New(slog.NewTextHandler(g.logs, nil))
	srv, err := New(o)
	if err != nil {
		g.t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		g.t.Fatal(err)
	}
	g.st, g.srv = st, srv
}

func (g *gateway) close() {
	if g.srv != nil {
		g.srv.Close()
		g.st.Close()
		g.srv, g.st = nil, nil
	}
}

func (g *gateway) restart() {
	g.close()
	g.open()
}

// unit is a paho client acting as one checkpoint unit.
type unit struct {
	t     testing.TB
	name  string
	lane  wire.Lane
	seq   uint64
	c     paho.Client
	acks  chan wire.Ack
	flows chan wire.Flow
}

func connectUnit(t testing.TB, url, name string, lane wire.Lane) *unit {
	t.Helper()
	u := &unit{t: t, name: name, lane: lane, acks: make(chan wire.Ack, 1000), flows: make(chan wire.Flow, 1000)}
	o := paho.NewClientOptions().AddBroker(url).SetClientID("test-" + name).SetAutoReconnect(false)
	u.c = paho.NewClient(o)
	wait(t, u.c.Connect())
	wait(t, u.c.Subscribe(wire.AckTopic(testSite, name), 1, func(_ paho.Client, m paho.Message) {
		if a, err := wire.DecodeAck(m.Payload()); err == nil {
			offer(u.acks, a)
		}
	}))
	wait(t, u.c.Subscribe(wire.FlowTopic(testSite, name), 1, func(_ paho.Client, m paho.Message) {
		if f, err := wire.DecodeFlow(m.Payload()); err == nil {
			offer(u.flows, f)
		}
	}))
	t.Cleanup(func() { u.c.Disconnect(0) })
	return u
}

// offer queues v, dropping the oldest when full: a benchmark that reads
// only some messages must not stall the paho client, and the newest ack
// or flow supersedes the older ones.
func offer[T any](ch chan T, v T) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

func wait(t testing.TB, tok paho.Token) {
	t.Helper()
	if !tok.WaitTimeout(10 * time.Second) {
		t.Fatal("mqtt: no answer from the broker in 10s")
	}
	if err := tok.Error(); err != nil {
		t.Fatal(err)
	}
}

func (u *unit) entry(seq uint64, d wire.Decision) wire.Entry {
	return wire.Entry{Schema: wire.SchemaVersion, ID: fmt.Sprintf("%s-%d", u.name, seq), Site: testSite,
		Unit: u.name, Seq: seq, BootID: "boot", Lane: u.lane, Time: time.Now().UTC(), ClockSynced: true,
		Credential: wire.Credential{Kind: wire.CredentialNone}, Decision: d, PolicyVersion: "supermarket-normal-1"}
}

// send publishes the unit's next entry with decision d and returns its seq.
func (u *unit) send(d wire.Decision) uint64 {
	u.seq++
	u.publish(u.entry(u.seq, d))
	return u.seq
}

func jsonEntry(e wire.Entry) ([]byte, error) { return json.Marshal(e) }

func (u *unit) publish(e wire.Entry) {
	u.t.Helper()
	b, err := jsonEntry(e)
	if err != nil {
		u.t.Fatal(err)
	}
	u.raw(wire.EntryTopic(e.Site, e.Unit), b)
}

func (u *unit) raw(topic string, b []byte) {
	u.t.Helper()
	wait(u.t, u.c.Publish(topic, 1, false, b))
}

func (u *unit) status(acked uint64) {
	u.t.Helper()
	b, _ := json.Marshal(wire.Status{Schema: wire.SchemaVersion, Site: testSite, Unit: u.name, Lane: u.lane,
		State: wire.Online, Time: time.Now().UTC(), AckedSeq: acked})
	wait(u.t, u.c.Publish(wire.StatusTopic(testSite, u.name), 1, true, b))
}

// ackFor waits for an ack of at least seq.
func (u *unit) ackFor(seq uint64) wire.Ack {
	u.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case a := <-u.acks:
			if a.Seq >= seq {
				return a
			}
		case <-deadline:
			u.t.Fatalf("%s: no ack of seq %d in 10s", u.name, seq)
		}
	}
}

// flowWhere waits for a flow that satisfies ok.
func (u *unit) flowWhere(what string, ok func(wire.Flow) bool) wire.Flow {
	u.t.Helper()
	deadline := time.After(10 * time.Second)
	var last wire.Flow
	for {
		select {
		case f := <-u.flows:
			if last = f; ok(f) {
				return f
			}
		case <-deadline:
			u.t.Fatalf("%s: no flow with %s in 10s; last %+v", u.name, what, last)
		}
	}
}
