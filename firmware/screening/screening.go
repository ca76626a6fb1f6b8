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
type Ledger interface {
	Append(ctx context.Context, e *wire.Entry) error
}

// Options name the lane and inject the clock, ids and the outlet for
// decisions (display, gate relay, uplink).
type Options struct {
	Site, Unit string
	Lane       wire.Lane
	Policy     policy.Policy
	BootID     string
	Now        func() (time.Time, bool)
	NewID      func() string
	// Decided is called after the entry is durable, never before.
	Decided func(wire.Entry)
	Logger  *slog.Logger
}

// Pipeline screens one lane.
type Pipeline struct {
	thermo Thermometer
	scan   Scanner
	ledger Ledger
	opts   Options

	mu       sync.Mutex
	lastCode []byte // the last person's code, for a manual re-screen
}

// New checks opts and returns a pipeline.
func New(th Thermometer, sc Scanner, l Ledger, opts Options) (*Pipeline, error) {
	if th == nil || sc == nil || l == nil {
		return nil, errors.New("screening: thermometer, scanner and ledger are all required")
	}
	if opts.Now == nil || opts.NewID == nil {
		return nil, errors.New("screening: Now and NewID are required")
	}
	if err := opts.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("screening: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Decided == nil {
		opts.Decided = func(wire.Entry) {}
	}
	return &Pipeline{thermo: th, scan: sc, ledger: l, opts: opts}, nil
}

// Run screens people until ctx ends or the scanner's stream does. A failure
// to log one person is reported and the lane carries on with the next: the
// guard handles that person by hand, and the lane must not stall.
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
	}
}

// Screen takes one person from code to a durable, decided entry.
func (p *Pipeline) Screen(ctx context.Context, code []byte) (wire.Entry, error) {
	p.mu.Lock()
	p.lastCode = code
	p.mu.Unlock()
	in := policy.Input{Credential: credential.Decode(code), Lane: p.opts.Lane}
	r, err := p.thermo.Measure(ctx)
	if err != nil {
		in.ThermometerErr = err
		p.opts.Logger.Warn("thermometer reading failed", "err", err)
	} else {
		in.Reading = &r
	}
	return p.decide(ctx, in)
}

// ScreenManual screens the last person again with a temperature the guard
// took by hand, when the thermometer could not (PRODUCT.md: guards keep
// working when a device fails). It makes a new entry; the earlier one
// stays in the ledger as it was.
func (p *Pipeline) ScreenManual(ctx context.Context, body physic.Temperature) (wire.Entry, error) {
	if body < policy.Celsius(30) || body > policy.Celsius(45) {
		return wire.Entry{}, fmt.Errorf("screening: %s is not a body temperature; enter °C between 30 and 45", body)
	}
	p.mu.Lock()
	code := p.lastCode
	p.mu.Unlock()
	in := policy.Input{Credential: credential.Decode(code), Lane: p.opts.Lane,
		Reading: &policy.Reading{Raw: body, Body: body, Manual: true}}
	return p.decide(ctx, in)
}

func (p *Pipeline) decide(ctx context.Context, in policy.Input) (wire.Entry, error) {
	decision, reasons := p.opts.Policy.Decide(in)
	e := p.entry(in, decision, reasons)
	if err := p.ledger.Append(ctx, &e); err != nil {
		return wire.Entry{}, fmt.Errorf("screening: %w", err)
	}
	p.opts.Decided(e)
	return e, nil
}

func (p *Pipeline) entry(in policy.Input, d wire.Decision, reasons []wire.Reason) wire.Entry {
	now, synced := p.opts.Now()
	e := wire.Entry{
		Schema: wire.SchemaVersion, ID: p.opts.NewID(),
		Site: p.opts.Site, Unit: p.opts.Unit, BootID: p.opts.BootID, Lane: p.opts.Lane,
		Time: now, ClockSynced: synced,
		Credential: in.Credential, Decision: d, Reasons: reasons,
		PolicyVersion: p.opts.Policy.Version,
	}
	if r := in.Reading; r != nil {
		e.Temperature = &wire.Temperature{RawC: celsius(r.Raw), CorrectedC: celsius(r.Body)}
		if r.Manual {
			e.Temperature.Source = wire.SourceManual
		}
	}
	return e
}

// celsius converts at the JSON edge, to the 0.01 °C the sensors resolve.
func celsius(t physic.Temperature) float64 {
	return math.Round(float64(t-physic.ZeroCelsius)/float64(physic.Kelvin)*100) / 100
}
