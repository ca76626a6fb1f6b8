package bridge

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/embedbroker"

	"github.com/kakou/kakou/internal/testenv"
)

// hangGuard only turns a hang into a failure; nothing asserts on durations.
const hangGuard = 60 * time.Second

// allowAll admits every client and topic (mochi's auth.AllowHook would
// pull a YAML parser into go.sum for nothing).
type allowAll struct{ mochi.HookBase }

func (*allowAll) ID() string { return "test-allow-all" }

func (*allowAll) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck}, []byte{b})
}

func (*allowAll) OnConnectAuthenticate(*mochi.Client, packets.Packet) bool { return true }

func (*allowAll) OnACLCheck(*mochi.Client, string, bool) bool { return true }

// broker is an embedded mochi broker: "the cloud", or a site's LAN.
type broker struct {
	srv  *mochi.Server
	addr string
	url  string
	once sync.Once
}

// startBroker serves MQTT on addr ("127.0.0.1:0" for a fresh port), with
// the cloud broker's capabilities: no expiry of retained or queued
// messages, and the most messages in flight MQTT allows.
func startBroker(t testing.TB, addr string) *broker {
	t.Helper()
	caps := mochi.NewDefaultServerCapabilities()
	caps.MaximumMessageExpiryInterval = 0
	caps.MaximumInflight = math.MaxUint16
	srv := mochi.New(&mochi.Options{InlineClient: true, Capabilities: caps,
		Logger: slog.New(slog.DiscardHandler)})
	if err := srv.AddHook(new(allowAll), nil); err != nil {
		t.Fatal(err)
	}
	ln := embedbroker.NewTCP("tcp", addr, nil)
	if err := srv.AddListener(ln); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	b := &broker{srv: srv, addr: ln.Address(), url: "tcp://" + ln.Address()}
	t.Cleanup(b.stop)
	return b
}

// stop closes the broker and its connections at once.
func (b *broker) stop() {
	b.once.Do(func() {
		// A broker that goes down takes its connections with it, and
		// accepts no new ones meanwhile: a client reconnecting while
		// mochi's Close disconnects the others would be left on it.
		if ln, ok := b.srv.Listeners.Get("tcp"); ok {
			ln.Close(func(string) {})
		}
		for _, cl := range b.srv.Clients.GetAll() {
			if cl.Net.Conn != nil {
				cl.Net.Conn.Close()
			}
		}
		embedbroker.Close(b.srv)
	})
}

// cutClient drops a client's TCP connection without an MQTT DISCONNECT,
// as a pulled cable would, so the broker sends its will.
func (b *broker) cutClient(t testing.TB, id string) {
	t.Helper()
	cl, ok := b.srv.Clients.Get(id)
	if !ok {
		t.Fatalf("client %q is not connected", id)
	}
	cl.Net.Conn.Close()
}

// Publish makes the broker a bridge.Local: the site's LAN broker.
func (b *broker) Publish(topic string, payload []byte, retain bool) error {
	return b.srv.Publish(topic, payload, retain, 1)
}

// watch subscribes a fresh paho client to filter and returns what it
// receives, retained messages first.
func watch(t testing.TB, url, id, filter string) <-chan paho.Message {
	t.Helper()
	got := make(chan paho.Message, 1000)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id))
	if tok := c.Connect(); !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("watcher connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	tok := c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) { got <- m })
	if !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("watcher subscribe: %v", tok.Error())
	}
	return got
}

// awaitStatus reads statuses from ch until one satisfies ok.
func awaitStatus(t testing.TB, ch <-chan paho.Message, what string, ok func(wire.Status, paho.Message) bool) wire.Status {
	t.Helper()
	deadline := time.After(hangGuard)
	for {
		select {
		case m := <-ch:
			s, err := wire.DecodeStatus(m.Payload())
			if err != nil {
				t.Fatalf("status on %s: %v", m.Topic(), err)
			}
			if ok(s, m) {
				return s
			}
		case <-deadline:
			t.Fatalf("no status: %s", what)
			return wire.Status{}
		}
	}
}

// publishRetained publishes one retained message on url from a fresh client.
func publishRetained(t testing.TB, url, topic string, payload []byte) {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("test-publisher"))
	if tok := c.Connect(); !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("publisher connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	if tok := c.Publish(topic, 1, true, payload); !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

// waitFor polls cond until it holds; only a hang fails.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testenv.Await(t, what, hangGuard, cond)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
