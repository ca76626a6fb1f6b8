// Package broker runs the cloud collector's embedded MQTT broker, so a demo
// or a small district needs no separate Mosquitto. It is mochi-mqtt with one
// TCP listener; retained messages (unit presence) and last wills (a unit
// that drops off the network) are part of mochi and need no code here.
package broker

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"sync"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kakou/kakou/internal/embedbroker"
)

// allowAll lets every client connect and use every topic. It is a stand-in
// on purpose: the security issue replaces it with per-unit credentials and
// ACLs (a unit may publish only under its own site/unit topics). It is
// written here rather than taken from mochi's hooks/auth package because
// that package pulls in a YAML parser only its ledger needs.
type allowAll struct{ mqtt.HookBase }

func (*allowAll) ID() string { return "kakou-allow-all" }

func (*allowAll) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnectAuthenticate, mqtt.OnACLCheck}, []byte{b})
}

func (*allowAll) OnConnectAuthenticate(*mqtt.Client, packets.Packet) bool { return true }

func (*allowAll) OnACLCheck(*mqtt.Client, string, bool) bool { return true }

// capabilities are mochi's defaults with two changed, both of which would
// otherwise lose messages the units count on:
//   - no forced expiry: mochi deletes retained messages and queued QoS 1
//     messages a day after they were published, so a unit's ack or pushed
//     policy, or the entries queued for a collector down over a weekend,
//     would vanish;
//   - the most messages in flight to one client MQTT allows (65,535, the
//     packet id space) instead of 8,192: beyond it mochi drops a QoS 1
//     message meant for the collector after it has already PUBACKed the
//     unit, which only the unit's ack timeout would repair.
func capabilities() *mqtt.Capabilities {
	c := mqtt.NewDefaultServerCapabilities()
	c.MaximumMessageExpiryInterval = 0
	c.MaximumInflight = math.MaxUint16
	return c
}

// Dropped is how many messages the broker could not queue for a
// subscriber, its in-flight limit reached or its socket not read fast
// enough (8,192 writes waiting): each entry among them reaches the cloud
// only when its unit re-sends it.
func (b *Broker) Dropped() int64 {
	return atomic.LoadInt64(&b.server.Info.InflightDropped) + atomic.LoadInt64(&b.server.Info.MessagesDropped)
}

// Broker is an embedded MQTT broker listening on one TCP address.
type Broker struct {
	server *mqtt.Server
	tcp    *embedbroker.Listener
	log    *slog.Logger
	secure bool      // listening with TLS; see tls.go
	auth   mqtt.Hook // added at Start; allowAll unless RequireDevices (auth.go)

	mu      sync.Mutex
	started bool
	closed  bool
}

// New prepares a broker that will listen on addr ("127.0.0.1:0" picks a free
// port). Nothing listens until Start.
func New(addr string, log *slog.Logger) (*Broker, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("broker: listen address %q: %w", addr, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "broker")
	server := mqtt.New(&mqtt.Options{Logger: log, Capabilities: capabilities()})
	tcp := embedbroker.NewTCP("tcp", addr, nil)
	return &Broker{server: server, tcp: tcp, log: log, auth: new(allowAll)}, nil
}

// Start binds the listener and starts serving. It returns once the port is
// bound, so Addr is valid afterwards.
func (b *Broker) Start() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		return errors.New("broker: already started")
	}
	if err := b.server.AddHook(b.auth, nil); err != nil {
		return fmt.Errorf("broker: add auth hook: %w", err)
	}
	if err := b.server.AddListener(b.tcp); err != nil {
		return fmt.Errorf("broker: listen on %s: %w", b.tcp.Address(), err)
	}
	if err := b.server.Serve(); err != nil {
		return fmt.Errorf("broker: serve: %w", err)
	}
	b.started = true
	b.log.Info("mqtt broker listening", "addr", b.tcp.Address())
	return nil
}

// Addr is the host:port the broker listens on; after Start it is the port
// actually bound, not the ":0" that was asked for.
func (b *Broker) Addr() string { return b.tcp.Address() }

// URL is the address in the form MQTT clients take: tcp://host:port, or
// ssl://host:port with TLS.
func (b *Broker) URL() string { return b.scheme() + "://" + b.Addr() }

// Close disconnects every client, stops listening and stops the broker's
// housekeeping. Closing twice is harmless.
func (b *Broker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	if err := embedbroker.Close(b.server); err != nil {
		return fmt.Errorf("broker: close: %w", err)
	}
	return nil
}
