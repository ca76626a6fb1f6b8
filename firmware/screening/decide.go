package screening

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// Amend is what a guard adds about the person on screen: a temperature
// taken by hand when the thermometer failed, the mask mark, a completed
// visitor registration. Zero fields change nothing. By is the guard
// acting (their roster id; "" when nobody is signed in).
type Amend struct {
	Temperature *physic.Temperature
	Mask        policy.Mask
	Visitor     *wire.Visitor
	// Returnee marks the registration in Visitor as a returnee's.
	Returnee *wire.Returnee
	By       string
}

// Overrule is a guard overruling the policy for the person on screen,
// with who and why. Temperature is a reading the guard took by hand and
// went by, kept as a manual reading beside the sensor's in the ledger.
type Overrule struct {
	Decision    wire.Decision
	By, Reason  string
	Temperature *physic.Temperature
	// RefusedProof says the person refused to show their proof (health
	// code, pass, certificate): the plans ask that they be recorded and
	// reported, so the entry carries policy.ReasonRefusedProof, which the
	// centre's reports count (拒绝出示证明). Only a refusal to let in fits.
	RefusedProof bool
}

// ErrRefusedProofAdmits is a refusal to show proof recorded as letting
// the person in: such a person is denied or persuaded to return.
var ErrRefusedProofAdmits = errors.New("screening: a person who refused to show proof is denied or persuaded to return, not let in")

// Amend screens the person whose latest entry is on again with what the
// guard added. It makes a new entry that names on; the earlier one stays
// in the ledger as it was. A temperature is taken by hand only for a
// person the thermometer could not measure: overruling a reading it took
// is an override, with a reason (docs/product.md "Who uses it": when a
// device fails the guard enters a temperature by hand).
func (p *Pipeline) Amend(ctx context.Context, on string, a Amend) (wire.Entry, error) {
	if err := bodyTemperature(a.Temperature); err != nil {
		return wire.Entry{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, err := p.findLocked(on)
	if err != nil {
		return wire.Entry{}, err
	}
	if t := a.Temperature; t != nil {
		if r := pr.in.Reading; r != nil && !r.Manual {
			return wire.Entry{}, ErrThermometerWorks
		}
		p.takeReadingLocked(pr, &policy.Reading{Raw: *t, Body: *t, Manual: true}, nil)
	}
	if a.Mask != policy.MaskUnknown {
		pr.in.Mask = a.Mask
	}
	if a.Visitor != nil {
		pr.visitor, pr.in.Registered = a.Visitor, true
		pr.returnee, pr.in.Returnee = a.Returnee, a.Returnee != nil
		pr.card = nil // registered: the card's number has done its work (idcard.go)
	}
	return p.decideLocked(ctx, pr, a.By)
}

func bodyTemperature(t *physic.Temperature) error {
	if t != nil && (*t < policy.Celsius(30) || *t > policy.Celsius(45)) {
		return fmt.Errorf("screening: %s is not a body temperature; enter °C between 30 and 45", *t)
	}
	return nil
}

// Recheck measures the person whose entry is on again, because their
// result asked for it; the guard starts it from the screen, whatever the
// person scanned (or did not). The measurement is taken before the lane
// is locked, so the next scan is not held up by it.
func (p *Pipeline) Recheck(ctx context.Context, on, by string) (wire.Entry, error) {
	r, merr := p.thermo.Measure(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, err := p.findLocked(on)
	if err != nil {
		return wire.Entry{}, err
	}
	if pr.dismissed || pr.entry.Decision != wire.Recheck {
		return wire.Entry{}, ErrNoRecheck
	}
	if merr != nil {
		p.opts.Logger.Warn("thermometer reading failed on a re-check", "err", merr)
		p.takeReadingLocked(pr, nil, merr)
	} else {
		p.takeReadingLocked(pr, &r, nil)
	}
	return p.decideLocked(ctx, pr, by)
}

// Override records the guard overruling the decision for the person whose
// entry is on; the audit trail is the ledger itself.
func (p *Pipeline) Override(ctx context.Context, on string, o Overrule) (wire.Entry, error) {
	if err := bodyTemperature(o.Temperature); err != nil {
		return wire.Entry{}, err
	}
	reasons := []wire.Reason{policy.ReasonOverride(o.By, o.Reason)}
	if o.RefusedProof {
		if o.Decision != wire.Deny && o.Decision != wire.PersuadeReturn {
			return wire.Entry{}, ErrRefusedProofAdmits
		}
		reasons = append([]wire.Reason{policy.ReasonRefusedProof}, reasons...)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, err := p.findLocked(on)
	if err != nil {
		return wire.Entry{}, err
	}
	if t := o.Temperature; t != nil {
		pr.in.Reading, pr.in.ThermometerErr = &policy.Reading{Raw: *t, Body: *t, Manual: true}, nil
	}
	now, synced := p.opts.Now()
	pr.in.Now, pr.in.ClockSynced = now, synced
	e := p.entry(pr, policy.Decision{Outcome: o.Decision, Version: p.opts.Policy().Version,
		Reasons: reasons}, o.By)
	e.Override = &wire.Override{By: o.By, Reason: o.Reason, Replaces: on}
	return p.commitLocked(ctx, pr, e)
}

// Dismiss takes a result off the guard's screen without deciding anything
// (the person walked away); nothing passed the gate, so only the unit's
// log records it.
func (p *Pipeline) Dismiss(on, by string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, err := p.findLocked(on)
	if err != nil {
		return err
	}
	if !pr.open() {
		return ErrSettled
	}
	pr.dismissed = true
	if p.hold != nil && p.hold.person == pr {
		p.endHoldLocked("the guard dismissed the result")
	}
	p.opts.Logger.Info("guard dismissed a result", "seq", pr.entry.Seq, "decision", pr.entry.Decision, "guard", by)
	return nil
}

// takeReadingLocked gives pr a new temperature reading (or none, with
// why). A fever counts as the second one only against an earlier reading
// of this same person within the policy's re-check window (docs/product.md
// "What a checkpoint checks": two fever readings deny and refer); the
// window is timed by the monotonic clock, which an NTP jump cannot move.
// Callers hold mu.
func (p *Pipeline) takeReadingLocked(pr *person, r *policy.Reading, why error) {
	window, _ := p.opts.Policy().RecheckWindow.Parse()
	pr.in.PriorFever = !pr.fever.IsZero() && time.Since(pr.fever) <= window
	pr.in.Reading, pr.in.ThermometerErr = r, why
}

// decideLocked evaluates pr under the policy in force and logs the entry.
// Callers hold mu.
func (p *Pipeline) decideLocked(ctx context.Context, pr *person, by string) (wire.Entry, error) {
	return p.commitDecisionLocked(ctx, pr, p.evaluateLocked(pr), by)
}

// evaluateLocked decides pr now, with the gateway's count if there is one,
// without logging anything. Callers hold mu.
func (p *Pipeline) evaluateLocked(pr *person) policy.Decision {
	now, synced := p.opts.Now()
	pr.in.Now, pr.in.ClockSynced = now, synced
	pr.in.Occupancy, pr.in.Capacity = p.occupancyLocked()
	p.matchRegisteredLocked(pr)
	p.recallHoldLocked(pr)
	pr.in.Household = p.householdLocked(pr.in)
	pr.in.AppointmentUsedAt = p.venueUsedLocked(pr.in)
	pol := p.opts.Policy()
	return p.nextSlotLocked(pol, pol.Evaluate(pr.in), now)
}

// commitDecisionLocked logs d as pr's entry. Callers hold mu.
func (p *Pipeline) commitDecisionLocked(ctx context.Context, pr *person, d policy.Decision, by string) (wire.Entry, error) {
	e := p.entry(pr, d, by)
	e, err := p.commitLocked(ctx, pr, e)
	if err != nil {
		return e, err
	}
	switch {
	case d.Alert == policy.AlertFever:
		pr.fever = time.Time{} // referred: their next visit starts afresh
	case hasReason(d.Reasons, policy.ReasonFever.Code):
		pr.fever = time.Now()
	}
	return e, nil
}

// commitLocked appends e as pr's latest entry, counts it against the
// gateway's grant if it let someone in, and starts or ends a hold, all
// before anyone is told of it.
func (p *Pipeline) commitLocked(ctx context.Context, pr *person, e wire.Entry) (wire.Entry, error) {
	if err := p.ledger.Append(ctx, &e); err != nil {
		return wire.Entry{}, fmt.Errorf("screening: %w", err)
	}
	if pr.entry.ID != "" {
		pr.past = append(pr.past, pr.entry.ID)
	}
	pr.entry, pr.dismissed = e, false
	if e.Lane == wire.LaneIn && e.Decision == wire.Allow {
		p.admitted.add(e.Seq)
	}
	p.holdLocked(pr)
	p.sampling.note(e, pr.keys(), time.Now())
	p.opts.Decided(e)
	return e, nil
}

func hasReason(rs []wire.Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

// entry builds pr's next entry; by is the guard who acted, or for a scan
// the guard on duty.
func (p *Pipeline) entry(pr *person, d policy.Decision, by string) wire.Entry {
	in := pr.in
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
		Visitor: pr.visitor, Guard: by, Amends: pr.entry.ID, Mask: p.maskOf(in),
		StaffCheck: p.staffCheck(in),
		Vehicle:    pr.vehicle,
		Returnee:   pr.returnee,
		Watch:      p.watchOf(in),
		Household:  d.Household,
	}
	if id := p.releasing(pr, d); id != "" {
		e.Amends = id // the centre pairs a release with the hold it ends
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

// maskOf records how the mask check was judged, so a report can tell a
// mask the guard confirmed from one counted as worn by exception.
func (p *Pipeline) maskOf(in policy.Input) *wire.Mask {
	m := p.opts.Policy().Checks.Mask
	if m.Mode == policy.Off || in.Lane == wire.LaneOut {
		return nil
	}
	rule := wire.MaskConfirm
	if m.Confirm == policy.MaskByException {
		rule = wire.MaskException
	}
	switch {
	case in.Mask == policy.MaskMissing:
		return &wire.Mask{Result: wire.MaskMissing, Rule: rule}
	case in.Mask == policy.MaskWorn || rule == wire.MaskException:
		return &wire.Mask{Result: wire.MaskWorn, Rule: rule}
	}
	return &wire.Mask{Result: wire.MaskUnchecked, Rule: rule}
}
