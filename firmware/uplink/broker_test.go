package uplink

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/embedbroker"
)

// hangGuard only turns a hang into a failure; nothing asserts on durations.
const hangGuard = 30 * time.Second

// capture records what the broker accepted, through an inline subscription
// made before the broker serves anyone, so nothing can slip past it. One
// capture may watch several brokers in turn (a restart).
type capture struct {
	t        *testing.T
	entries  chan wire.Entry
	statuses chan wire.Status
}

func newCapture(t *testing.T) *capture {
	return &capture{t: t, entries: make(chan wire.Entry, 10000), statuses: make(chan wire.Status, 100)}
}

func (c *capture) handle(_ *mochi.Client, _ packets.Subscription, pk packets.Packet) {
	_, _, kind, err := wire.ParseTopic(pk.TopicName)
	switch {
	case err != nil:
		c.t.Errorf("message on foreign topic %q: %v", pk.TopicName, err)
	case kind == wire.KindEntry:
		e, err := wire.DecodeEntry(pk.Payload)
		if err != nil || wire.EntryTopic(e.Site, e.Unit) != pk.TopicName {
			c.t.Errorf("bad entry on %s: %v", pk.TopicName, err)
		}
		c.entries <- e
	case kind == wire.KindStatus:
		s, err := wire.DecodeStatus(pk.Payload)
		if err != nil || !pk.FixedHeader.Retain {
			c.t.Errorf("bad status on %s (retain %v): %v", pk.TopicName, pk.FixedHeader.Retain, err)
		}
		c.statuses <- s
	}
}

// nextEntry returns the next entry the broker accepted.
func (c *capture) nextEntry() wire.Entry {
	c.t.Helper()
	select {
	case e := <-c.entries:
		return e
	case <-time.After(hangGuard):
		c.t.Fatal("no entry reached the broker")
		return wire.Entry{}
	}
}

// awaitStatus skips status messages until one with state arrives. One
// deadline for the whole wait: heartbeats would renew a per-message timer.
func (c *capture) awaitStatus(state wire.UnitState) wire.Status {
	c.t.Helper()
	deadline := time.After(hangGuard)
	for {
		select {
		case s := <-c.statuses:
			if s.State == state {
				return s
			}
		case <-deadline:
			c.t.Fatalf("no %s status reached the broker", state)
		}
	}
}

// gate admits every client and topic, like mochi's auth.AllowHook, except
// the clients it blocks, so a test can keep a cut-off unit from reconnecting
// while it reads the will. (auth.AllowHook itself would pull yaml.v3 into
// go.sum for nothing.)
type gate struct {
	mochi.HookBase
	blocked sync.Map // client id → struct{}
}

func (g *gate) ID() string { return "test-gate" }

func (g *gate) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck}, []byte{b})
}

func (g *gate) OnACLCheck(*mochi.Client, string, bool) bool { return true }

func (g *gate) OnConnectAuthenticate(cl *mochi.Client, _ packets.Packet) bool {
	_, refused := g.blocked.Load(cl.ID)
	return !refused
}

type broker struct {
	srv  *mochi.Server
	addr string // host:port
	url  string // tcp://host:port
	gate *gate
	once sync.Once
}

// startBroker serves MQTT on addr ("127.0.0.1:0" for a fresh port) and
// reports everything published into c. With c nil nothing is captured: the
// inline subscription runs on the publisher's goroutine, so a capture
// nobody drains would stall a large backlog.
func startBroker(t testing.TB, addr string, c *capture) *broker {
	t.Helper()
	return serveBroker(t, embedbroker.NewTCP("tcp", addr, nil), "tcp://", c)
}

func serveBroker(t testing.TB, ln *embedbroker.Listener, scheme string, c *capture) *broker {
	t.Helper()
	srv := mochi.New(&mochi.Options{InlineClient: true, Logger: slog.New(slog.DiscardHandler)})
	g := new(gate)
	if err := srv.AddHook(g, nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddListener(ln); err != nil {
		t.Fatal(err)
	}
	if c != nil {
		if err := srv.Subscribe(wire.Root+"/#", 1, c.handle); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	b := &broker{srv: srv, addr: ln.Address(), url: scheme + ln.Address(), gate: g}
	t.Cleanup(b.stop)
	return b
}

// stop closes the broker; the test may do so before its cleanup does.
func (b *broker) stop() {
	b.once.Do(func() { embedbroker.Close(b.srv) })
}

// cutClient drops a client's TCP connection without an MQTT DISCONNECT, as
// a pulled cable or a dead unit would, so the broker sends its will.
func (b *broker) cutClient(t *testing.T, id string) {
	t.Helper()
	cl, ok := b.srv.Clients.Get(id)
	if !ok {
		t.Fatalf("client %q is not connected", id)
	}
	cl.Net.Conn.Close()
}

// retainedStatus connects a fresh subscriber and returns the status the
// broker retains on topic.
func (b *broker) retainedStatus(t *testing.T, topic string) wire.Status {
	t.Helper()
	got := make(chan paho.Message, 1)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(b.url).SetClientID("test-observer"))
	if tok := c.Connect(); !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("observer connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	tok := c.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) {
		select {
		case got <- m:
		default:
		}
	})
	if !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("observer subscribe: %v", tok.Error())
	}
	select {
	case m := <-got:
		s, err := wire.DecodeStatus(m.Payload())
		if err != nil || !m.Retained() {
			t.Fatalf("retained status: retained %v, err %v", m.Retained(), err)
		}
		return s
	case <-time.After(hangGuard):
		t.Fatalf("no retained status on %s", topic)
		return wire.Status{}
	}
}
