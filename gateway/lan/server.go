// Package lan is the site gateway's side facing its units: an embedded MQTT
// broker (mochi-mqtt) the units on the LAN connect to, and the in-process
// handling of what they publish. An entry is stored (gateway/store), then
// counted (gateway/occupancy), then acknowledged to its unit with the
// unit's local watermark; flows with each entrance's grant are saved and
// then published, retained, to the entrance units. Policies the bridge
// relays from the cloud pass through here too, and set the capacity.
//
// Acknowledgements published here are the gateway's own: the gateway takes
// responsibility for an entry once it is durable in its store. Cloud acks
// are never relayed down (the bridge keeps those in the store).
package lan

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/household"
	"github.com/kakou/kakou/gateway/occupancy"
	"github.com/kakou/kakou/gateway/store"
	"github.com/kakou/kakou/internal/embedbroker"
)

// Options configure a Server.
type Options struct {
	Site   string // the one site this gateway serves; other sites' messages are refused
	Listen string // host:port for the units; "127.0.0.1:0" picks a free port
	// TLS, if set, is the listener's certificate (and client CA for
	// mutual TLS); nil listens in plain TCP, as the demo does.
	TLS   *tls.Config
	Store *store.Store
	// Gateway is the gateway's own id: its records (corrections) are
	// stored beside the units' entries but it is not a lane.
	Gateway string
	// Capacity is the cap from the site's policy file; 0 is no cap. A
	// policy push relayed from the cloud replaces it: the policy is the
	// one place the cap is set.
	Capacity int
	// Lanes gives units their roles; a unit not named takes the lane of its
	// status or its first entry.
	Lanes map[string]occupancy.Role
	// OnStored is called with every entry newly stored (the bridge's
	// Offer); OnStatus with every unit status seen (the bridge's
	// RelayStatus). Both must not block.
	OnStored func(store.Record)
	OnStatus func(st wire.Status, raw []byte)
	Log      *slog.Logger
}

// settingCapacity keeps the capacity of the last policy push, since the
// LAN broker's retained copy of the push dies with the process.
const settingCapacity = "pushed_capacity"

// Server is the LAN broker and the handling of the site's traffic.
//
// mu guards site, correctedAt and last, and is held from storing an entry until
// its flows are published, so flows leave in the order they were planned.
// It is never held while calling OnStored or OnStatus.
type Server struct {
	opts   Options
	log    *slog.Logger
	broker *mqtt.Server
	tcp    *embedbroker.Listener
	ctx    context.Context // for store calls made on the broker's goroutines
	cancel context.CancelFunc

	mu          sync.Mutex
	site        *occupancy.Site
	correctedAt time.Time
	last        *store.Correction // the newest correction; nil: none
	households  *household.Site   // one pass per household (households.go)

	refused atomic.Int64
	closing sync.Once
}

// New checks o, rebuilds the count and the grants from the store, and
// prepares the broker. Nothing listens until Start.
func New(o Options) (*Server, error) {
	if err := wire.ValidateID(o.Site); err != nil {
		return nil, fmt.Errorf("lan: site: %w", err)
	}
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		return nil, fmt.Errorf("lan: listen address %q: %w", o.Listen, err)
	}
	if o.Store == nil {
		return nil, errors.New("lan: no store")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: o, log: o.Log.With("component", "lan")}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.restore(s.ctx); err != nil {
		return nil, err
	}
	mo := options()
	mo.Logger = s.log
	s.broker = mqtt.New(mo)
	if err := s.broker.AddHook(authHook(o, s.log), nil); err != nil {
		return nil, fmt.Errorf("lan: add auth hook: %w", err)
	}
	s.tcp = embedbroker.NewTCP("lan", o.Listen, o.TLS)
	return s, nil
}

// Start listens, subscribes to the site's units and republishes every
// unit's ack and every entrance's flow: the broker's retained copies were
// lost with the previous process.
func (s *Server) Start() error {
	if err := s.broker.AddListener(s.tcp); err != nil {
		return fmt.Errorf("lan: listen on %s: %w", s.tcp.Address(), err)
	}
	subs := []struct {
		kind string
		fn   mqtt.InlineSubFn
	}{{wire.KindEntry, s.onEntry}, {wire.KindStatus, s.onStatus}, {wire.KindPolicy, s.onPolicy}}
	for i, sub := range subs {
		filter := wire.Root + "/" + s.opts.Site + "/+/" + sub.kind
		if err := s.broker.Subscribe(filter, i+1, sub.fn); err != nil {
			return fmt.Errorf("lan: subscribe %s: %w", filter, err)
		}
	}
	if err := s.broker.Serve(); err != nil {
		return fmt.Errorf("lan: serve: %w", err)
	}
	if err := s.republish(s.ctx); err != nil {
		return err
	}
	go s.refreshDisplay(s.ctx)
	s.log.Info("lan broker listening", "addr", s.Addr(), "site", s.opts.Site)
	return nil
}

// Addr is the host:port the broker listens on, after Start the real port.
func (s *Server) Addr() string { return s.tcp.Address() }

// URL is the address as MQTT clients take it: ssl:// with TLS.
func (s *Server) URL() string {
	if s.opts.TLS != nil {
		return "ssl://" + s.Addr()
	}
	return "tcp://" + s.Addr()
}

// Publish sends a message at QoS 1 to the units on the LAN (the bridge
// relays policy pushes this way).
func (s *Server) Publish(topic string, payload []byte, retain bool) error {
	if err := s.broker.Publish(topic, payload, retain, 1); err != nil {
		return fmt.Errorf("lan: publish %s: %w", topic, err)
	}
	return nil
}

// Refused is how many messages from the LAN were malformed or not this
// site's, and so changed nothing.
func (s *Server) Refused() int64 { return s.refused.Load() }

// Close disconnects the units and stops the broker. The store is the
// caller's to close, afterwards.
func (s *Server) Close() error {
	var err error
	s.closing.Do(func() {
		s.cancel()
		if e := embedbroker.Close(s.broker); e != nil {
			err = fmt.Errorf("lan: close: %w", e)
		}
	})
	return err
}

func parseCapacity(v string) (int, bool) {
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}
