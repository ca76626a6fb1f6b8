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
	// Roster returns the centre's roster in use, to match a visitor the
	// guard registers (watch.go); nil: registrations are not matched.
	Roster func() *credential.Roster
	BootID string
	Now    func() (time.Time, bool)
	NewID  func() string
	// Decided is called after the entry is durable, never before.
	Decided func(wire.Entry)
	Logger  *slog.Logger
	// HoldTimeout ends the hold on a person told to wait (hold.go);
	// DefaultHoldTimeout when zero.
	HoldTimeout time.Duration
	// AwaitFlow makes an entrance behind a gateway count as full until it
	// holds a flow (see occupancyLocked).
	AwaitFlow bool
	// OnDuty is the roster id of the guard signed in at the lane's
	// console, recorded on every scanned entry; nil or "": nobody is, and
	// the lane screens unattended.
	OnDuty func() string
	// StaffCheck is the roll-call check a screened person's entry
	// carries (wire.StaffCheck), or nil; nil: no roll call (staff.go).
	StaffCheck func(policy.Input) *wire.StaffCheck
	// Recorded is called after a record the pipeline logs by itself (a
	// vehicle's outcome, vehicle.go) is durable; nil: nobody is told.
	Recorded func(wire.Entry)
	// Households counts household passes' uses (household.go); nil: the
	// household quota is not applied.
	Households HouseholdLedger
	// Venue is the lane's memory of admitted registration codes
	// (venue.go); nil: a booking is not held to a single use.
	Venue VenueLedger
	// Privacy minimises the visitor a registration code carries as the
	// console minimises a typed form (venue.go); nil: masked, not hashed.
	Privacy *credential.Privacy
	// NextSlot names the next slot with room for a visitor turned away
	// for their booking (the unit asks the centre); nil or "": the
	// schedule's next slot, room unknown.
	NextSlot func(a *wire.Appointments, now time.Time) string
	// BeatEvery is how often the loop beats while it waits (heartbeat.go);
	// DefaultBeatEvery when zero.
	BeatEvery time.Duration
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
	people   []*person       // the guard's screen: see person.go
	flow     *wire.Flow      // the gateway's latest; nil without a gateway (flow.go)
	admitted admissions      // this lane's admissions after flow.AfterSeq
	hold     *hold           // the person told to wait, nil when none (hold.go)
	vehicle  *vehicleSession // the vehicle at a vehicle lane (vehicle.go)
	sampling sampling        // people held for sampling (sampling.go)
	// households is the gateway's latest household uses (household.go).
	households *wire.Households
	cards      cardReads // the last ID card read, to tell a repeat (idcard.go)
	beats      beats     // the loop's progress, for the watchdog (heartbeat.go)
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
	if opts.BeatEvery <= 0 {
		opts.BeatEvery = DefaultBeatEvery
	}
	if opts.HoldTimeout <= 0 {
		opts.HoldTimeout = DefaultHoldTimeout
	}
	if opts.Recorded == nil {
		opts.Recorded = func(wire.Entry) {}
	}
	if opts.OnDuty == nil {
		opts.OnDuty = func() string { return "" }
	}
	return &Pipeline{thermo: th, scan: sc, ledger: l, opts: opts}, nil
}

// Run screens people until ctx ends or the scanner's stream does. A failure
// to log one person is reported and the lane carries on with the next: the
// guard handles that person by hand, and the lane must not stall. A person
// told to wait is held before the next scan is taken (hold.go).
func (p *Pipeline) Run(ctx context.Context) error {
	for {
		code, err := p.nextScan(ctx)
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

// Screen takes one person from code to a durable, decided entry. A scan
// of the verified pass or code of someone on screen awaiting a re-check
// is their re-check (they scanned again as told); any other scan, and
// every scan of no code or an unreadable one, is a new person.
func (p *Pipeline) Screen(ctx context.Context, code []byte) (wire.Entry, error) {
	return p.screen(ctx, p.opts.Credentials.Check(ctx, code), nil)
}

// screen takes one person from what checking their code or card found to
// a durable, decided entry; card is the ID card's number held for the
// guard's registration (idcard.go), nil for a scan.
func (p *Pipeline) screen(ctx context.Context, cred credential.Presented, card *heldCard) (wire.Entry, error) {
	r, err := p.thermo.Measure(ctx)
	if err != nil {
		p.opts.Logger.Warn("thermometer reading failed", "err", err)
	}
	reading := &r
	if err != nil {
		reading = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hold != nil {
		p.endHoldLocked("the next person was screened")
	}
	pr := p.awaitingRecheckLocked(keyOf(cred.Wire))
	if pr == nil {
		pr = &person{key: keyOf(cred.Wire), in: policy.Input{Lane: p.opts.Lane}}
		p.rememberLocked(pr)
		p.boardLocked(pr, cred)
	}
	pr.in.Credential = cred
	p.venueVisitorLocked(pr)
	p.holdCardLocked(pr, card)
	p.takeReadingLocked(pr, reading, err)
	e, err := p.decideLocked(ctx, pr, p.opts.OnDuty())
	p.vehicleDecidedLocked(ctx, pr)
	return e, err
}

// keyOf identifies a person by a credential that names them; people with
// no code, or one that did not verify, share no key.
func keyOf(c wire.Credential) string {
	if c.Subject == "" || c.Kind == wire.CredentialNone || c.Kind == wire.CredentialUnknown {
		return ""
	}
	return string(c.Kind) + ":" + c.Subject
}

// awaitingRecheckLocked is the person on screen with key whose result asks
// them to be measured again, or nil. Callers hold mu.
func (p *Pipeline) awaitingRecheckLocked(key string) *person {
	if key == "" {
		return nil
	}
	for _, pr := range p.people {
		if pr.key == key && pr.open() && pr.entry.Decision == wire.Recheck {
			return pr
		}
	}
	return nil
}

// celsius converts at the JSON edge, to the 0.01 °C the sensors resolve.
func celsius(t physic.Temperature) float64 {
	return math.Round(float64(t-physic.ZeroCelsius)/float64(physic.Kelvin)*100) / 100
}
