// Package screening is the checkpoint's pipeline: a person presents a code,
// their temperature is taken, the policy decides, the entry is written to the
// ledger, and only then is the decision shown and the gate opened. It owns
// the small interfaces it needs; drivers and the ledger satisfy them.
package screening

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// Thermometer takes one person's temperature. An error means no reading
// at all (a device fault); a reading it doubts comes back Uncertain.
type Thermometer interface {
	Measure(ctx context.Context) (policy.Reading, error)
}

// Scanner blocks until the next person presents a code. An empty code is a
// person with none; io.EOF ends the stream.
type Scanner interface {
	Scan(ctx context.Context) ([]byte, error)
}

// Ledger stores an entry durably and assigns its sequence number.
// Admissions returns, in order, the seqs of the entries after afterSeq that
// let someone in (lane "in", decision "allow"): a restarted unit's count
// against its gateway's grant (flow.go).
type Ledger interface {
	Append(ctx context.Context, e *wire.Entry) error
	Admissions(ctx context.Context, afterSeq uint64) ([]uint64, error)
}

// Credentials verifies what a scanned code is (*credential.Verifier).
type Credentials interface {
	Check(ctx context.Context, code []byte) credential.Presented
}

// formatOnly recognises Kakou's code formats without verifying anything.
type formatOnly struct{}

func (formatOnly) Check(_ context.Context, code []byte) credential.Presented {
	c := credential.Decode(code)
	return credential.Presented{Wire: c, Status: credential.Status(c.Result)}
}

// Options name the lane and inject the clock, ids and the outlet for
// decisions (display, gate relay, uplink).
type Options struct {
	Site, Unit string
	Lane       wire.Lane
	// Policy returns the policy in force (a policy.Holder's Current).
	Policy func() policy.Policy
	// Credentials checks scanned codes; nil recognises formats only.
	Credentials Credentials
	BootID      string
	Now         func() (time.Time, bool)
	NewID       func() string
	// Decided is called after the entry is durable, never before.
	Decided func(wire.Entry)
	Logger  *slog.Logger
	// HoldTimeout ends the hold on a person told to wait (hold.go);
	// DefaultHoldTimeout when zero.
	HoldTimeout time.Duration
	// AwaitFlow makes an entrance behind a gateway count as full until it
	// holds a flow (see occupancyLocked).
	AwaitFlow bool
}

// Pipeline screens one lane.
type Pipeline struct {
	thermo Thermometer
	scan   Scanner
	ledger Ledger
	opts   Options

	// mu serialises decisions, so a guard's amendment from the console, a
	// gateway's flow and the next scan never interleave, and guards the
	// fields below.
	mu       sync.Mutex
	last     person
	fevers   map[string]time.Time // code → last fever reading, within the re-check window
	flow     *wire.Flow           // the gateway's latest; nil without a gateway (flow.go)
	admitted admissions           // this lane's admissions after flow.AfterSeq
	hold     *hold                // the person told to wait, nil when none (hold.go)
}

// New checks opts and returns a pipeline.
func New(th Thermometer, sc Scanner, l Ledger, opts Options) (*Pipeline, error) {
	if th == nil || sc == nil || l == nil {
		return nil, errors.New("screening: thermometer, scanner and ledger are all required")
	}
	if opts.Now == nil || opts.NewID == nil {
		return nil, errors.New("screening: Now and NewID are required")
	}
	if opts.Policy == nil {
		return nil, errors.New("screening: Policy is required")
	}
	if err := opts.Policy().Validate(); err != nil {
		return nil, fmt.Errorf("screening: %w", err)
	}
	if opts.Credentials == nil {
		opts.Credentials = formatOnly{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Decided == nil {
		opts.Decided = func(wire.Entry) {}
	}
	if opts.HoldTimeout <= 0 {
		opts.HoldTimeout = DefaultHoldTimeout
	}
	return &Pipeline{thermo: th, scan: sc, ledger: l, opts: opts, fevers: map[string]time.Time{}}, nil
}

// Run screens people until ctx ends or the scanner's stream does. A failure
// to log one person is reported and the lane carries on with the next: the
// guard handles that person by hand, and the lane must not stall. A person
// told to wait is held before the next scan is taken (hold.go).
func (p *Pipeline) Run(ctx context.Context) error {
	for {
		code, err := p.scan.Scan(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return fmt.Errorf("screening: scanner: %w", err)
		}
		if _, err := p.Screen(ctx, code); err != nil && ctx.Err() == nil {
			p.opts.Logger.Error("entry not logged; gate stays closed, handle this person by hand", "err", err)
		}
		p.awaitHold(ctx)
	}
}

// Screen takes one person from code to a durable, decided entry.
func (p *Pipeline) Screen(ctx context.Context, code []byte) (wire.Entry, error) {
	in := policy.Input{Lane: p.opts.Lane, Credential: p.opts.Credentials.Check(ctx, code)}
	r, err := p.thermo.Measure(ctx)
	if err != nil {
		in.ThermometerErr = err
		p.opts.Logger.Warn("thermometer reading failed", "err", err)
	} else {
		in.Reading = &r
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hold != nil {
		p.endHoldLocked("the next person was screened")
	}
	p.last = person{key: string(code), in: in}
	return p.decideLocked(ctx)
}

// celsius converts at the JSON edge, to the 0.01 °C the sensors resolve.
func celsius(t physic.Temperature) float64 {
	return math.Round(float64(t-physic.ZeroCelsius)/float64(physic.Kelvin)*100) / 100
}
