package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Source is what the uplink needs from the ledger (*ledger.Ledger satisfies
// it). MarkDelivered is the seam where "delivered" is decided; see doc.go.
type Source interface {
	Pending(ctx context.Context, afterSeq uint64, limit int) ([]wire.Entry, error)
	MarkDelivered(ctx context.Context, seqs []uint64) error
}

// DefaultBatchSize is how many entries are in flight at once when Options
// leaves BatchSize at zero.
const DefaultBatchSize = 100

// Options configure an Uplink.
type Options struct {
	Broker   string // tcp://host:port (ssl://, ws:// and wss:// also work)
	ClientID string // defaults to "kakou-<site>-<unit>"
	Username string
	Password string
	// Status is the template for the birth and last-will messages: site,
	// unit, facility, lane, firmware, policy_version and boot_id. Schema,
	// State and Time are filled in by the uplink.
	Status    wire.Status
	BatchSize int          // entries in flight at once; DefaultBatchSize if 0
	Logger    *slog.Logger // discarded if nil
}

// timing holds the uplink's intervals; tests shorten the retry delays.
type timing struct {
	poll     time.Duration // drain this often even without Notify
	ack      time.Duration // a batch or a status must be PUBACKed within this
	connect  time.Duration // dial plus MQTT handshake
	retryMin time.Duration // first delay after a failed or lost connection
	retryMax time.Duration // the doubling delay stops growing here
	goodbye  time.Duration // time allowed for the offline status at shutdown
}

var defaultTiming = timing{
	poll:     5 * time.Second,
	ack:      30 * time.Second,
	connect:  10 * time.Second,
	retryMin: time.Second,
	retryMax: 30 * time.Second,
	goodbye:  2 * time.Second,
}

// Uplink copies a Source's entries to an MQTT broker. Create it with New and
// start it with Run; Notify and Connected may be called from any goroutine.
type Uplink struct {
	src       Source
	opts      Options
	log       *slog.Logger
	t         timing
	wake      chan struct{} // size 1: Notify calls coalesce
	connected atomic.Bool

	mu            sync.Mutex
	devices       []wire.Device
	policyVersion string // overrides the template's once the policy changes
	statusDirty   bool   // devices changed since the last birth was published
}

// New checks opts and returns an Uplink that is not yet connected.
func New(src Source, opts Options) (*Uplink, error) {
	if src == nil {
		return nil, errors.New("uplink: nil Source")
	}
	if err := checkBroker(opts.Broker); err != nil {
		return nil, err
	}
	if err := checkStatus(opts.Status); err != nil {
		return nil, err
	}
	if opts.BatchSize < 0 {
		return nil, fmt.Errorf("uplink: batch size %d is negative", opts.BatchSize)
	}
	applyDefaults(&opts)
	return &Uplink{
		src:  src,
		opts: opts,
		log:  opts.Logger.With("site", opts.Status.Site, "unit", opts.Status.Unit),
		t:    defaultTiming,
		wake: make(chan struct{}, 1),
	}, nil
}

func checkBroker(broker string) error {
	u, err := url.Parse(broker)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("uplink: broker %q: want scheme://host:port, e.g. tcp://127.0.0.1:1883", broker)
	}
	return nil
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
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
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

// takeDirty reports whether the status must be republished and clears it.
func (u *Uplink) takeDirty() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	d := u.statusDirty
	u.statusDirty = false
	return d
}

// status renders the birth or will message for state, stamped now.
func (u *Uplink) status(state wire.UnitState) []byte {
	s := u.opts.Status
	u.mu.Lock()
	s.Devices = u.devices
	if u.policyVersion != "" {
		s.PolicyVersion = u.policyVersion
	}
	u.mu.Unlock()
	s.State = state
	s.Time = time.Now().UTC()
	b, err := json.Marshal(s)
	if err != nil {
		panic("uplink: marshal wire.Status: " + err.Error()) // plain struct: cannot fail
	}
	return b
}
