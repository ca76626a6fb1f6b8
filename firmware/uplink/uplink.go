package uplink

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/wire"
)

// Source is what the uplink needs from the ledger (*ledger.Ledger satisfies
// it). MarkDeliveredUpTo is called only on the collector's ack; see doc.go.
type Source interface {
	// Pending and PendingAlerts return up to limit undelivered entries
	// (with an alert, for PendingAlerts) with seq > afterSeq, in seq order.
	// The records carry the stored JSON, which is published as it is.
	Pending(ctx context.Context, afterSeq uint64, limit int) ([]ledger.Record, error)
	PendingAlerts(ctx context.Context, afterSeq uint64, limit int) ([]ledger.Record, error)
	// LastSeq is the highest seq ever assigned: the end of the backlog when
	// a connection comes up.
	LastSeq(ctx context.Context) (uint64, error)
	MarkDeliveredUpTo(ctx context.Context, seq uint64) error
	// Backlog feeds the status: how many entries are unacknowledged and the
	// time of the oldest.
	Backlog(ctx context.Context) (count int, oldest time.Time, err error)
	// Acknowledged is the seq up to which every entry is delivered.
	Acknowledged(ctx context.Context) (uint64, error)
}

// Defaults for the Options left at zero; applyDefaults is the one place
// they are applied.
const (
	DefaultBatchSize   = 100              // entries per publish round
	DefaultBacklogRate = 500              // backlog entries per second
	DefaultWindow      = 1000             // backlog entries published and not yet acknowledged
	DefaultAckTimeout  = 30 * time.Second // no ack progress for this long: resend
	DefaultHeartbeat   = 30 * time.Second // status republished this often
)

// NoRateLimit as Options.BacklogRate drains the backlog as fast as the
// window and the broker allow.
const NoRateLimit = -1

// Options configure an Uplink.
type Options struct {
	Broker string // tcp://host:port (ssl://, tls://, mqtts://, ws:// and wss:// also work)
	// Brokers, instead of Broker, are the nodes of a clustered broker: the
	// unit tries them in delivery.Rotation's order (brokers.go).
	Brokers  []string
	ClientID string // defaults to "kakou-<site>-<unit>"
	Username string
	Password string
	// CAFile, CertFile and KeyFile are PEM files for a TLS broker URL. The
	// CA verifies the broker (the system roots when empty); the certificate
	// and key are the unit's own, for brokers that require one, and come
	// together. They are read by New.
	CAFile, CertFile, KeyFile string
	// Status is the template for the birth and last-will messages: site,
	// unit, facility, lane, firmware, policy_version and boot_id. Schema,
	// State, Time, Backlog, OldestUnacked and DiskAlarm are filled in by
	// the uplink.
	Status    wire.Status
	BatchSize int // entries per publish round, whose PUBACKs pace the broker
	// BacklogRate caps how many backlog entries per second are sent after
	// an outage, so the collector and the site's link are not swamped; live
	// entries and alerts are not limited. NoRateLimit removes the cap.
	BacklogRate int
	// Window caps the backlog entries published in seq order and not yet
	// acknowledged. Live entries and the backlog's alerts, sent ahead, are
	// not counted in it, nor limited: they wait for their ack behind the
	// backlog (doc.go).
	Window     int
	AckTimeout time.Duration // resend from the last ack when it has not moved for this long (doubling while silent)
	// SubscribeQoS0 subscribes to the acks and every push at QoS 0
	// instead of 1, for a NATS cluster (delivery.Config.SubscribeQoS0
	// says why it is safe).
	SubscribeQoS0 bool
	Heartbeat     time.Duration // republish the retained status this often
	Logger        *slog.Logger  // discarded if nil
	// OnPolicy receives the policies the centre pushes to this unit, decoded
	// and addressed to it; nil leaves the policy topic unsubscribed. It is
	// called on a goroutine of the uplink's own, one push at a time, and
	// may take its time: see policy.go.
	OnPolicy func(wire.PolicyPush)
	// OnFlow receives the site gateway's count and grant for this lane
	// (wire.Flow), decoded and addressed to it; nil leaves the flow topic
	// unsubscribed. It is called like OnPolicy, the latest flow first: see
	// flow.go.
	OnFlow func(wire.Flow)
	// OnHouseholds receives the site gateway's household uses for this
	// lane (wire.Households); nil leaves the topic unsubscribed. See
	// households.go.
	OnHouseholds func(wire.Households)
	// OnGuards receives the guard roster the centre pushes to this unit,
	// decoded and addressed to it, unverified; nil leaves the topic
	// unsubscribed. Called like OnPolicy: see guards.go.
	OnGuards func(wire.GuardRoster)
	// OnUpdate receives the program update the centre pushes to this
	// unit, decoded and addressed to it, unverified; nil leaves the topic
	// unsubscribed (update.go).
	OnUpdate func(wire.UpdatePush)
	// OnStaff receives the staff roster the centre pushes, decoded and
	// addressed to this unit, unverified; nil: unsubscribed (staff.go).
	OnStaff func(wire.StaffRoster)
	// OnResults receives the test results the centre pushes to this unit
	// (results.go), decoded and addressed to it, unverified; nil leaves
	// the topic unsubscribed.
	OnResults func(wire.ResultPush)
	// OnWatch receives each retained message of the centre's watch roster
	// by name (a part, or wire.WatchHeadName), parts of a burst before its
	// head; an empty payload clears the part. nil: unsubscribed (watch.go).
	OnWatch func(name string, payload []byte)
	// OnTrust receives the centre's trust list as published, size-checked
	// only, the latest first; nil: unsubscribed (trust.go).
	OnTrust func(payload []byte)
}

// timing holds the uplink's fixed intervals; tests shorten the retry delays.
type timing struct {
	poll     time.Duration // drain this often even without Notify
	puback   time.Duration // the oldest outstanding publish must be PUBACKed within this, a SUBACK too
	inflight int           // publishes outstanding before the sender waits (delivery.MaxInflight)
	subRetry time.Duration // first wait before a failed subscription is tried again; doubles to retryMax
	pushWait time.Duration // the longest a connection waits for its push subscriptions' first answers before going online
	conn     delivery.Timing
	retryMin time.Duration // first delay after a failed or lost connection
	retryMax time.Duration // the doubling delay stops growing here
	goodbye  time.Duration // time allowed for the offline status at shutdown
	mark     time.Duration // acks reach the ledger this often while entries are outstanding (or every markRows)
}

var defaultTiming = timing{
	poll:     5 * time.Second,
	puback:   30 * time.Second,
	inflight: delivery.MaxInflight,
	subRetry: time.Second,
	pushWait: 15 * time.Second,
	conn:     delivery.DefaultTiming,
	retryMin: time.Second,
	retryMax: 30 * time.Second,
	goodbye:  2 * time.Second,
	mark:     250 * time.Millisecond,
}

// Uplink copies a Source's entries to an MQTT broker. Create it with New and
// start it with Run; Notify, Connected and the Set methods may be called
// from any goroutine.
type Uplink struct {
	src       Source
	opts      Options
	tls       *tls.Config // nil for a plain broker URL
	log       *slog.Logger
	t         timing
	wake      chan struct{} // size 1: Notify calls coalesce
	connected atomic.Bool
	acks      delivery.Acks      // the latest wire.Ack.Seq received, held
	loop      delivery.Loop      // Run's reconnecting, held while Run runs
	brokers   *delivery.Rotation // which broker the next connection dials

	policyIn   atomic.Pointer[wire.PolicyPush] // the latest push not yet handed to OnPolicy
	policyWake chan struct{}                   // size 1: a push waits in policyIn
	flowIn     atomic.Pointer[wire.Flow]       // the latest flow not yet handed to OnFlow
	flowWake   chan struct{}                   // size 1: a flow waits in flowIn
	guards     handoff[wire.GuardRoster]       // rosters for OnGuards (guards.go, handoff.go)
	update     handoff[wire.UpdatePush]        // pushes for OnUpdate (update.go, handoff.go)
	staff      staffUplink                     // the staff roster and the round (staff.go)
	results    handoff[wire.ResultPush]        // pushes for OnResults (results.go, handoff.go)
	households handoff[wire.Households]        // messages for OnHouseholds (households.go, handoff.go)
	watch      watchHandoff                    // the watch roster's parts for OnWatch (watch.go)
	trust      trustUplink                     // the trust list for OnTrust (trust.go)

	mu            sync.Mutex
	devices       []wire.Device
	policyVersion string             // overrides the template's once the policy changes
	updateReport  *wire.UpdateReport // the last update's outcome (update.go)
	diskAlarm     bool
	statusDirty   bool // the status changed since the last one was published
}

// New checks opts and returns an Uplink that is not yet connected.
func New(src Source, opts Options) (*Uplink, error) {
	if src == nil {
		return nil, errors.New("uplink: nil Source")
	}
	if err := pickBrokers(&opts); err != nil {
		return nil, err
	}
	if err := checkStatus(opts.Status); err != nil {
		return nil, err
	}
	if err := checkLimits(opts); err != nil {
		return nil, err
	}
	tc, err := loadTLS(opts)
	if err != nil {
		return nil, err
	}
	applyDefaults(&opts)
	return &Uplink{
		src:  src,
		opts: opts,
		tls:  tc,
		log:  opts.Logger.With("site", opts.Status.Site, "unit", opts.Status.Unit),
		t:    defaultTiming,
		wake: make(chan struct{}, 1),

		brokers: delivery.NewRotation(opts.Brokers, opts.Status.Site, opts.Status.Unit),

		policyWake: make(chan struct{}, 1),
		flowWake:   make(chan struct{}, 1),
		guards:     newHandoff[wire.GuardRoster](),
		update:     newHandoff[wire.UpdatePush](),
		staff:      staffUplink{handoff: newHandoff[wire.StaffRoster]()},
		results:    newHandoff[wire.ResultPush](),
		households: newHandoff[wire.Households](),
		watch:      watchHandoff{wake: make(chan struct{}, 1)},
		trust:      trustUplink{handoff: newHandoff[[]byte]()},
	}, nil
}

func checkLimits(o Options) error {
	switch {
	case o.BatchSize < 0:
		return fmt.Errorf("uplink: batch size %d is negative", o.BatchSize)
	case o.BacklogRate < NoRateLimit:
		return fmt.Errorf("uplink: backlog rate %d: want entries per second, or NoRateLimit", o.BacklogRate)
	case o.Window < 0:
		return fmt.Errorf("uplink: window %d is negative", o.Window)
	case o.AckTimeout < 0 || o.Heartbeat < 0:
		return fmt.Errorf("uplink: ack timeout %v and heartbeat %v must not be negative", o.AckTimeout, o.Heartbeat)
	}
	return nil
}

func checkBroker(broker string) error {
	u, err := url.Parse(broker)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("uplink: broker %q: want scheme://host:port, e.g. tcp://127.0.0.1:1883", broker)
	}
	return nil
}

// loadTLS reads the CA, certificate and key files named in o. It returns nil
// for a plain broker URL, and refuses TLS files next to one: a unit an
// installer meant to protect must not quietly send its entries in clear.
func loadTLS(o Options) (*tls.Config, error) {
	u, err := url.Parse(o.Broker)
	if err != nil {
		return nil, fmt.Errorf("uplink: broker %q: %w", o.Broker, err)
	}
	secure := delivery.Secure(u.Scheme)
	files := o.CAFile != "" || o.CertFile != "" || o.KeyFile != ""
	switch {
	case files && !secure:
		return nil, fmt.Errorf("uplink: TLS files given but broker %q is not a TLS URL (ssl://, mqtts://, wss://)", o.Broker)
	case (o.CertFile == "") != (o.KeyFile == ""):
		return nil, errors.New("uplink: a client certificate needs both its cert file and its key file")
	case !secure:
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("uplink: CA file: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("uplink: CA file %s: no PEM certificate in it", o.CAFile)
		}
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("uplink: client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// checkStatus validates the template as the birth message it will become.
func checkStatus(s wire.Status) error {
	s.State = wire.Online
	if err := s.Validate(); err != nil {
		return fmt.Errorf("uplink: status template: %w", err)
	}
	return nil
}

// applyDefaults is the one place defaults are set.
func applyDefaults(o *Options) {
	if o.ClientID == "" {
		o.ClientID = "kakou-" + o.Status.Site + "-" + o.Status.Unit
	}
	o.BatchSize = cmp.Or(o.BatchSize, DefaultBatchSize)
	o.BacklogRate = cmp.Or(o.BacklogRate, DefaultBacklogRate)
	o.Window = cmp.Or(o.Window, DefaultWindow)
	o.AckTimeout = cmp.Or(o.AckTimeout, DefaultAckTimeout)
	o.Heartbeat = cmp.Or(o.Heartbeat, DefaultHeartbeat)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Status.Schema = wire.SchemaVersion
}

// Notify tells the uplink that new entries are pending. It never blocks;
// calls made while a wake-up is already queued are merged into it.
func (u *Uplink) Notify() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// Connected reports whether the uplink holds a broker connection on which
// its birth message has been acknowledged.
func (u *Uplink) Connected() bool { return u.connected.Load() }

// SetDevices records the sensors' health; a change is published at once as
// a fresh retained status, so the control room sees a fault within seconds.
func (u *Uplink) SetDevices(devices []wire.Device) {
	u.mu.Lock()
	u.devices = slices.Clone(devices)
	u.statusDirty = true
	u.mu.Unlock()
	u.Notify()
}

// SetPolicyVersion announces the policy now in force, as SetDevices does.
func (u *Uplink) SetPolicyVersion(v string) {
	u.mu.Lock()
	u.policyVersion = v
	u.statusDirty = true
	u.mu.Unlock()
	u.Notify()
}

// SetDiskAlarm raises or clears the status's DiskAlarm: the ledger's quota
// is full of unacknowledged entries. A change is published at once.
func (u *Uplink) SetDiskAlarm(on bool) {
	u.mu.Lock()
	changed := u.diskAlarm != on
	u.diskAlarm = on
	u.statusDirty = u.statusDirty || changed
	u.mu.Unlock()
	if changed {
		u.Notify()
	}
}

// beat asks for the status to be republished, for the heartbeat.
func (u *Uplink) beat() {
	u.mu.Lock()
	u.statusDirty = true
	u.mu.Unlock()
}

// takeDirty reports whether the status must be republished and clears it.
func (u *Uplink) takeDirty() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	d := u.statusDirty
	u.statusDirty = false
	return d
}

// status renders the birth or will message for state, stamped now, with the
// backlog as the ledger has it. A ledger error leaves the backlog out (and
// is logged) rather than holding back the status.
func (u *Uplink) status(ctx context.Context, state wire.UnitState) []byte {
	s := u.opts.Status
	u.mu.Lock()
	s.Devices = u.devices
	if u.policyVersion != "" {
		s.PolicyVersion = u.policyVersion
	}
	s.DiskAlarm = u.diskAlarm
	s.StaffRound = u.staff.round
	s.Update = u.updateReport
	u.mu.Unlock()
	s.TrustVersion = u.trust.version.Load()
	n, oldest, err := u.src.Backlog(ctx)
	if err != nil {
		u.log.Error("uplink: read backlog for status", "err", err)
	}
	s.Backlog = n
	if s.AckedSeq, err = u.src.Acknowledged(ctx); err != nil {
		u.log.Error("uplink: read acknowledged seq for status", "err", err)
	}
	if n > 0 {
		s.OldestUnacked = &oldest
	}
	s.State = state
	s.Time = time.Now().UTC()
	b, err := json.Marshal(s)
	if err != nil {
		panic("uplink: marshal wire.Status: " + err.Error()) // plain struct: cannot fail
	}
	return b
}
