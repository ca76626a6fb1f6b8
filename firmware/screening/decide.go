package screening

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// person is the last person screened: what the guard may add to from the
// console, and the entry an override replaces.
type person struct {
	key     string // the code they showed, for the fever memory
	in      policy.Input
	visitor *wire.Visitor
	entryID string
}

// Amend is what a guard adds about the last person: a temperature taken by
// hand when the thermometer failed, the mask check, a completed visitor
// registration. Zero fields change nothing.
type Amend struct {
	Temperature *physic.Temperature
	Mask        policy.Mask
	Visitor     *wire.Visitor
}

// ErrNobody is returned when the guard acts before anyone was screened.
var ErrNobody = errors.New("screening: nobody has been screened yet; scan a code first")

// Amend screens the last person again with what the guard added. It makes
// a new entry; the earlier one stays in the ledger as it was.
func (p *Pipeline) Amend(ctx context.Context, a Amend) (wire.Entry, error) {
	if t := a.Temperature; t != nil && (*t < policy.Celsius(30) || *t > policy.Celsius(45)) {
		return wire.Entry{}, fmt.Errorf("screening: %s is not a body temperature; enter °C between 30 and 45", *t)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last.entryID == "" {
		return wire.Entry{}, ErrNobody
	}
	if t := a.Temperature; t != nil {
		p.last.in.Reading, p.last.in.ThermometerErr = &policy.Reading{Raw: *t, Body: *t, Manual: true}, nil
	}
	if a.Mask != policy.MaskUnknown {
		p.last.in.Mask = a.Mask
	}
	if a.Visitor != nil {
		p.last.visitor, p.last.in.Registered = a.Visitor, true
	}
	return p.decideLocked(ctx)
}

// ScreenManual is Amend with a temperature only.
func (p *Pipeline) ScreenManual(ctx context.Context, body physic.Temperature) (wire.Entry, error) {
	return p.Amend(ctx, Amend{Temperature: &body})
}

// Override records the guard overruling the last decision, with who and
// why; the audit trail is the ledger itself.
func (p *Pipeline) Override(ctx context.Context, d wire.Decision, o wire.Override) (wire.Entry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last.entryID == "" {
		return wire.Entry{}, ErrNobody
	}
	o.Replaces = p.last.entryID
	e := p.entry(p.last.in, policy.Decision{Outcome: d, Version: p.opts.Policy().Version,
		Reasons: []wire.Reason{policy.ReasonOverride(o.By, o.Reason)}})
	e.Override, e.Visitor = &o, p.last.visitor
	return p.commitLocked(ctx, e)
}

// Prefill is the visitor form a pre-registration code carried, if the last
// person showed one.
func (p *Pipeline) Prefill() *credential.Visitor {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last.in.Credential.Visitor
}

// decideLocked evaluates the last person under the policy in force and
// logs the entry. Callers hold mu.
func (p *Pipeline) decideLocked(ctx context.Context) (wire.Entry, error) {
	return p.commitDecisionLocked(ctx, p.evaluateLocked())
}

// evaluateLocked decides the last person now, with the gateway's count if
// there is one, without logging anything. Callers hold mu.
func (p *Pipeline) evaluateLocked() policy.Decision {
	in := &p.last.in
	now, synced := p.opts.Now()
	in.Now, in.ClockSynced = now, synced
	pol := p.opts.Policy()
	in.PriorFever = p.hadFever(p.last.key, pol)
	in.Occupancy, in.Capacity = p.occupancyLocked()
	return pol.Evaluate(*in)
}

// commitDecisionLocked logs d as the last person's entry. Callers hold mu.
func (p *Pipeline) commitDecisionLocked(ctx context.Context, d policy.Decision) (wire.Entry, error) {
	p.rememberFever(p.last.key, d)
	e := p.entry(p.last.in, d)
	e.Visitor = p.last.visitor
	return p.commitLocked(ctx, e)
}

// commitLocked appends e, counts it against the gateway's grant if it let
// someone in, and starts or ends a hold, all before anyone is told of it.
func (p *Pipeline) commitLocked(ctx context.Context, e wire.Entry) (wire.Entry, error) {
	if err := p.ledger.Append(ctx, &e); err != nil {
		return wire.Entry{}, fmt.Errorf("screening: %w", err)
	}
	p.last.entryID = e.ID
	if e.Lane == wire.LaneIn && e.Decision == wire.Allow {
		p.admitted.add(e.Seq)
	}
	p.holdLocked(e)
	p.opts.Decided(e)
	return e, nil
}

// hadFever reports a fever reading for the same code within the policy's
// re-check window (docs/product.md "What a checkpoint checks": two fever readings deny
// and refer). The
// window is timed by the monotonic clock, which an NTP jump cannot move.
func (p *Pipeline) hadFever(key string, pol policy.Policy) bool {
	window, _ := pol.RecheckWindow.Parse()
	for k, at := range p.fevers {
		if time.Since(at) > window {
			delete(p.fevers, k)
		}
	}
	_, ok := p.fevers[key]
	return ok
}

func (p *Pipeline) rememberFever(key string, d policy.Decision) {
	switch {
	case d.Alert == policy.AlertFever:
		delete(p.fevers, key) // referred: the next scan is a new visit
	case hasReason(d.Reasons, policy.ReasonFever.Code):
		p.fevers[key] = time.Now()
	}
}

func hasReason(rs []wire.Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

func (p *Pipeline) entry(in policy.Input, d policy.Decision) wire.Entry {
	now, synced := in.Now, in.ClockSynced
	if now.IsZero() {
		now, synced = p.opts.Now()
	}
	e := wire.Entry{
		Schema: wire.SchemaVersion, ID: p.opts.NewID(),
		Site: p.opts.Site, Unit: p.opts.Unit, BootID: p.opts.BootID, Lane: p.opts.Lane,
		Time: now, ClockSynced: synced,
		Credential: in.Credential.Wire, Decision: d.Outcome, Reasons: d.Reasons,
		PolicyVersion: d.Version, Alert: d.Alert,
	}
	if r := in.Reading; r != nil {
		e.Temperature = &wire.Temperature{RawC: celsius(r.Raw), CorrectedC: celsius(r.Body)}
		if r.Manual {
			e.Temperature.Source = wire.SourceManual
		}
		for _, t := range r.Samples {
			e.Temperature.SamplesC = append(e.Temperature.SamplesC, celsius(t))
		}
	}
	return e
}
