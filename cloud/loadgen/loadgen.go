// Package loadgen simulates a fleet of checkpoint units against an MQTT
// broker, to load the cloud collector the way a district's units would:
// thousands of connections, each publishing its own entries at QoS 1 and
// waiting for the collector's end-to-end acknowledgement (wire.Ack).
//
// Each simulated unit is one paho client with a clean session and its own
// client id, like the firmware's uplink. It announces itself with a retained
// online wire.Status (its last will says offline), publishes valid
// wire.Entry messages with seq counting up from 1 at its rate with jitter,
// listens on its ack topic, and on the way out publishes its offline status.
// The entries are the traffic mix of Generator: residents, visitors,
// rechecks, denials and about 2% fever alerts.
//
// A unit's entries are not kept in a ledger: a publish that fails is tried
// again a few times (so the collector's watermark sees no gap while the
// broker is merely slow), then counted in Stats.PublishFailures and given up.
package loadgen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Options says what fleet to simulate and for how long.
type Options struct {
	BrokerURL          string // tcp://host:port
	Username, Password string
	// Units is how many units to simulate, spread round-robin over Sites
	// sites (default 1); a site's units alternate between in and out lanes.
	Units, Sites int
	// Prefix starts every site and unit id ("sim" by default): sim-s001,
	// sim-u00001. Seq starts at 1 on every run, so a second run with the
	// same prefix against the same database re-sends what is stored: the
	// collector counts it as duplicates and the units count it acknowledged
	// at once (their retained acks say so). Give each run its own prefix to
	// load the store with new entries.
	Prefix string
	// RatePerUnit is entries per second per unit; each gap is jittered by
	// up to ±50% so the fleet does not publish in lockstep. 0 publishes as
	// fast as the broker acknowledges (PUBACK), one entry in flight a unit.
	RatePerUnit float64
	// A unit stops making entries after Duration or EntriesPerUnit,
	// whichever comes first, counted from its own first entry; at least
	// one of them is required.
	Duration       time.Duration
	EntriesPerUnit int
	// Concurrency bounds connects in flight (default 32): thousands of
	// simultaneous CONNECTs would time out against a broker on a small
	// machine, so the fleet ramps up at the rate the broker accepts them.
	Concurrency int
	// AckWait is how long a unit, done publishing, waits for the
	// collector's ack to cover its last entry (default 10 s; negative: not
	// at all). Run's end is the last unit's end.
	AckWait time.Duration
	// Firmware and PolicyVersion go into the status and entries
	// (defaults "0.1.0-sim" and "default-1").
	Firmware, PolicyVersion string
	Seed                    uint64 // equal seeds give equal traffic mixes
	Logger                  *slog.Logger
}

// Defaults applied by New.
const (
	defaultConcurrency = 32
	defaultAckWait     = 10 * time.Second
)

func (o *Options) applyDefaults() {
	o.Sites = max(o.Sites, 1)
	if o.Prefix == "" {
		o.Prefix = "sim"
	}
	if o.Concurrency <= 0 {
		o.Concurrency = defaultConcurrency
	}
	if o.AckWait == 0 {
		o.AckWait = defaultAckWait
	}
	if o.Firmware == "" {
		o.Firmware = "0.1.0-sim"
	}
	if o.PolicyVersion == "" {
		o.PolicyVersion = "default-1"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// validate reports every problem at once, each naming its option.
func (o *Options) validate() error {
	var errs []error
	if u, err := url.Parse(o.BrokerURL); err != nil || u.Host == "" {
		errs = append(errs, fmt.Errorf("BrokerURL %q: want tcp://host:port", o.BrokerURL))
	}
	if o.Units <= 0 {
		errs = append(errs, fmt.Errorf("Units %d: simulate at least 1", o.Units))
	}
	if o.Sites > o.Units && o.Units > 0 {
		errs = append(errs, fmt.Errorf("Sites %d: more sites than the %d units to put in them", o.Sites, o.Units))
	}
	if o.RatePerUnit < 0 {
		errs = append(errs, fmt.Errorf("RatePerUnit %v: entries per second cannot be negative", o.RatePerUnit))
	}
	if o.Duration <= 0 && o.EntriesPerUnit <= 0 {
		errs = append(errs, errors.New("Duration or EntriesPerUnit: set at least one, or the run never ends"))
	}
	if o.Duration < 0 || o.EntriesPerUnit < 0 {
		errs = append(errs, errors.New("Duration and EntriesPerUnit cannot be negative"))
	}
	if err := wire.ValidateID(o.Prefix + "-u00000"); err != nil {
		errs = append(errs, fmt.Errorf("Prefix %q: ids are built from it: %w", o.Prefix, err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("loadgen: options:\n%w", err)
	}
	return nil
}

// Stats is what a run did. Acked equals Published when the collector
// stored every entry that reached the broker and told its unit so.
type Stats struct {
	Units           int    // units that connected
	ConnectFailures int    // units that never connected (each tried connectAttempts times)
	Published       uint64 // entries the broker acknowledged (PUBACK)
	PublishFailures uint64 // publish attempts that failed or timed out; retried up to publishAttempts
	// Acked is the sum over units of the highest seq the collector
	// acknowledged, up to the unit's last entry sent in this run.
	Acked uint64
	// PublishP99 is the 99th percentile of publish-to-PUBACK latency
	// (from a uniform sample of at most sampleSize publishes).
	PublishP99 time.Duration
	Elapsed    time.Duration
}

// Fleet is a simulated fleet; Run it once.
type Fleet struct {
	opts Options
	log  *slog.Logger

	connected, connectFailures atomic.Int64
	published, publishFailures atomic.Uint64
	latency                    *reservoir
	ran                        atomic.Bool

	mu         sync.Mutex
	units      []*unit // the connected ones, for Acked
	connectErr error   // the last unit's failure to connect, for Run's error
}

// New checks opts; nothing connects until Run.
func New(opts Options) (*Fleet, error) {
	opts.applyDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Fleet{opts: opts, log: opts.Logger.With("component", "loadgen"),
		latency: newReservoir(sampleSize, opts.Seed)}, nil
}

// Run connects the units (Concurrency at a time), lets each publish until
// its Duration or EntriesPerUnit is done, waits up to AckWait for its acks,
// and returns when every unit has gone offline or ctx ends. It fails only
// when no unit could connect at all.
func (f *Fleet) Run(ctx context.Context) (Stats, error) {
	if f.ran.Swap(true) {
		return Stats{}, errors.New("loadgen: a Fleet runs once; make another with New")
	}
	start := time.Now()
	f.log.Info("connecting units", "units", f.opts.Units, "sites", f.opts.Sites,
		"broker", f.opts.BrokerURL, "concurrency", f.opts.Concurrency)
	var running sync.WaitGroup
	f.ramp(ctx, &running)
	f.log.Info("units connected", "connected", f.connected.Load(),
		"failed", f.connectFailures.Load(), "ramp", time.Since(start).Round(time.Millisecond))
	running.Wait()
	st := f.Progress()
	st.Elapsed = time.Since(start)
	if st.Units == 0 {
		f.mu.Lock()
		defer f.mu.Unlock()
		return st, fmt.Errorf("loadgen: no unit could connect (last error: %v); is the broker at %s running and reachable?",
			cmp.Or(f.connectErr, ctx.Err()), f.opts.BrokerURL)
	}
	return st, nil
}

// ramp connects every unit with Concurrency workers and starts each unit
// as soon as it is connected, so early units publish while later ones are
// still connecting, as a fleet coming up after a power cut does.
func (f *Fleet) ramp(ctx context.Context, running *sync.WaitGroup) {
	jobs := make(chan int)
	var workers sync.WaitGroup
	for range f.opts.Concurrency {
		workers.Go(func() {
			for i := range jobs {
				u := f.newUnit(i)
				if err := u.connect(ctx); err != nil {
					f.connectFailures.Add(1)
					f.log.Warn("unit could not connect", "unit", u.id, "err", err)
					f.mu.Lock()
					f.connectErr = err
					f.mu.Unlock()
					continue
				}
				f.connected.Add(1)
				f.mu.Lock()
				f.units = append(f.units, u)
				f.mu.Unlock()
				running.Go(func() { u.run(ctx) })
			}
		})
	}
	for i := 0; i < f.opts.Units && ctx.Err() == nil; i++ {
		jobs <- i
	}
	close(jobs)
	workers.Wait()
}

// Progress is the run so far; Elapsed is left zero.
func (f *Fleet) Progress() Stats {
	var acked uint64
	f.mu.Lock()
	for _, u := range f.units {
		acked += u.ackedSeq()
	}
	f.mu.Unlock()
	return Stats{Units: int(f.connected.Load()), ConnectFailures: int(f.connectFailures.Load()),
		Published: f.published.Load(), PublishFailures: f.publishFailures.Load(),
		Acked: acked, PublishP99: f.latency.quantile(0.99)}
}

// ids are the site and unit ids of unit i (0-based).
func (f *Fleet) ids(i int) (site, unit string) {
	return fmt.Sprintf("%s-s%03d", f.opts.Prefix, i%f.opts.Sites+1), fmt.Sprintf("%s-u%05d", f.opts.Prefix, i+1)
}

// facilities are the unit firmware's facility kinds, one per site in turn.
var facilities = []string{"community", "supermarket", "market", "clinic", "school", "nursing_home", "village", "office"}

func (f *Fleet) newUnit(i int) *unit {
	site, id := f.ids(i)
	lane := wire.LaneIn
	if (i/f.opts.Sites)%2 == 1 { // the site's 2nd, 4th, … unit
		lane = wire.LaneOut
	}
	return &unit{fleet: f, site: site, id: id, lane: lane,
		facility: facilities[(i%f.opts.Sites)%len(facilities)],
		gen:      NewGenerator(site, id, lane, f.opts.PolicyVersion, f.opts.Seed*1_000_003+uint64(i)),
		jitter:   newJitter(f.opts.Seed + uint64(i)),
		ackMoved: make(chan struct{}, 1), subscribed: make(chan error, 1)}
}
