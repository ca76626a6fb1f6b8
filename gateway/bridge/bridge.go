package bridge

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/store"
)

// Outbox is what the bridge needs from the gateway's store (*store.Store
// satisfies it). The store is the only session: the bridge keeps nothing
// it could not read again.
type Outbox interface {
	// Pending: up to limit records not yet acknowledged by the cloud with
	// Row > after, ascending Row.
	Pending(ctx context.Context, after int64, limit int) ([]store.Record, error)
	// CloudAcked marks every entry of unit with seq <= seq as stored in the
	// cloud; idempotent; returns how many rows were newly marked.
	CloudAcked(ctx context.Context, site, unit string, seq uint64) (int, error)
	// CloudAckedSeq: highest seq the cloud acknowledged for unit (0 if none).
	CloudAckedSeq(ctx context.Context, unit string) (uint64, error)
	// Backlog: entries of unit (all units when unit == "") not acknowledged
	// by the cloud, and the time the oldest was stored (zero time when none).
	Backlog(ctx context.Context, unit string) (int, time.Time, error)
}

// Local is the site's LAN broker (*lan.Server satisfies it), where pushed
// policies are relayed down to the units.
type Local interface {
	Publish(topic string, payload []byte, retain bool) error // QoS 1 on the site's LAN broker
}

// DefaultAckTimeout is how long the bridge waits for the cloud's ack to
// move before it sends the unacknowledged entries again.
const DefaultAckTimeout = 10 * time.Second

// Options configure a Bridge.
type Options struct {
	Broker string // cloud broker URL tcp://… or ssl://…
	// Brokers, instead of Broker, are a clustered cloud broker's nodes,
	// tried in delivery.Rotation's order (brokers.go).
	Brokers            []string
	ClientID           string // default "kakou-gateway-<site>-<gateway>"
	Username, Password string
	TLS                *tls.Config // nil: plain

	// Site and Gateway name the gateway's own status topic; Facility and
	// Firmware go into its status.
	Site, Gateway, Facility, Firmware string

	AckTimeout time.Duration // how long to wait for a cloud ack before re-sending (default 10s)
	// SubscribeQoS0 subscribes on the cloud at QoS 0 instead of 1, for a
	// NATS cluster: delivery.Config.SubscribeQoS0 says why, and why
	// nothing is lost, every topic being retained latest state.
	SubscribeQoS0 bool
	Outbox        Outbox
	Local         Local
	// Occupancy, if set, is the site's count now (*lan.Server's
	// SiteOccupancy); the gateway's status carries it, and the status is
	// published again soon after the count changes (occupancy.go).
	Occupancy func() *wire.SiteOccupancy
	// OnUpdate, if set, takes the centre's update push for the gateway
	// itself (selfupdate.go); it runs on paho's goroutine and must not block.
	OnUpdate func(wire.UpdatePush)
	Log      *slog.Logger
}

// Sizes of the sending machinery. They are not options: the window only
// has to cover the cloud's round trip, and the batch only to amortise a
// store read and a PUBACK wait.
const (
	window    = 1000 // entries of one lane published and not yet acknowledged by the cloud
	batchSize = 200  // entries per store read and publish round
	scanBatch = 500  // backlog rows read per step when looking for alerts
)

// timing holds the bridge's fixed intervals; tests shorten the retries.
type timing struct {
	poll      time.Duration // look for unoffered records this often
	puback    time.Duration // a publish round must be PUBACKed within this
	conn      delivery.Timing
	retryMin  time.Duration // first delay after a failed or lost connection
	retryMax  time.Duration // the doubling delay stops growing here
	goodbye   time.Duration // time allowed for the offline status at shutdown
	mark      time.Duration // acks reach the store this often while entries are outstanding
	heartbeat time.Duration // the gateway's status is republished this often
	occupancy time.Duration // a changed count goes up in the status at most this often
}

var defaultTiming = timing{
	poll:      5 * time.Second,
	puback:    30 * time.Second,
	conn:      delivery.DefaultTiming,
	retryMin:  time.Second,
	retryMax:  30 * time.Second,
	goodbye:   2 * time.Second,
	mark:      250 * time.Millisecond,
	heartbeat: 30 * time.Second,
	occupancy: 2 * time.Second,
}

// Bridge forwards the gateway's stored entries to the cloud. Create it with
// New and start it with Run; Offer, RelayStatus and Connected may be called
// from any goroutine.
type Bridge struct {
	opts Options
	log  *slog.Logger
	t    timing

	wake      chan struct{} // size 1: wake-ups coalesce
	connected atomic.Bool
	offered   atomic.Int64 // the highest Row offered: a hint that the live lane has work

	acks     delivery.Acks // cloud acks from paho's goroutine to the sender, the highest per unit
	statuses statusRelay   // units' statuses waiting to go up
	policies policyRelay   // pushed policies waiting to go down
	occSent  occupancySent // the count the last status carried
	// inflight is the sender's, while the session's loop runs: statuses
	// are tracked there instead of waited for (sendStatus). Run's only.
	inflight *delivery.Inflight
	upd      selfUpdate         // the gateway's own update report (selfupdate.go)
	conns    delivery.Loop      // Run's connections, one at a time; Run must not run twice at once
	brokers  *delivery.Rotation // which cloud broker the next connection dials
}

// New checks o and returns a Bridge that is not yet connected.
func New(o Options) (*Bridge, error) {
	if err := pickBrokers(&o); err != nil {
		return nil, err
	}
	if err := check(o); err != nil {
		return nil, err
	}
	applyDefaults(&o)
	b := &Bridge{
		opts: o,
		log:  o.Log.With("site", o.Site, "gateway", o.Gateway),
		t:    defaultTiming,
		wake: make(chan struct{}, 1),

		brokers: delivery.NewRotation(o.Brokers, o.Site, o.Gateway),
	}
	b.acks.Highest = true
	b.statuses.init()
	b.policies.init()
	return b, nil
}

// check reports the first option that cannot work, with what to do.
func check(o Options) error {
	switch {
	case o.Outbox == nil:
		return errors.New("bridge: Options.Outbox is nil: the bridge forwards the gateway store's entries")
	case o.Local == nil:
		return errors.New("bridge: Options.Local is nil: pushed policies must reach the site's broker")
	case o.AckTimeout < 0:
		return fmt.Errorf("bridge: ack timeout %v is negative", o.AckTimeout)
	}
	u, err := url.Parse(o.Broker)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("bridge: cloud broker %q: want scheme://host:port, e.g. tcp://cloud.example:1883", o.Broker)
	}
	if err := wire.ValidateID(o.Site); err != nil {
		return fmt.Errorf("bridge: site: %w", err)
	}
	if err := wire.ValidateID(o.Gateway); err != nil {
		return fmt.Errorf("bridge: gateway id: %w", err)
	}
	return nil
}

// applyDefaults is the one place defaults are set.
func applyDefaults(o *Options) {
	if o.ClientID == "" {
		o.ClientID = "kakou-gateway-" + o.Site + "-" + o.Gateway
	}
	o.AckTimeout = cmp.Or(o.AckTimeout, DefaultAckTimeout)
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Offer tells the bridge that r was just stored, so it goes to the cloud
// live, ahead of any backlog. It never blocks: the record itself is read
// again from the store, so an offer lost or merged with others loses
// nothing (the poll finds what no offer announced).
func (b *Bridge) Offer(r store.Record) {
	for {
		cur := b.offered.Load()
		if r.Row <= cur || b.offered.CompareAndSwap(cur, r.Row) {
			break
		}
	}
	b.notify()
}

// Connected reports whether the bridge holds a cloud connection on which
// its birth message has been acknowledged.
func (b *Bridge) Connected() bool { return b.connected.Load() }

// notify wakes the sending goroutine; calls while one is queued merge.
func (b *Bridge) notify() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}
