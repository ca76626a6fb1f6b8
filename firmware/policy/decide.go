package policy

import (
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// Reading is what the thermometer reported for this person.
type Reading struct {
	Raw  physic.Temperature // as the sensor measured the forehead
	Body physic.Temperature // corrected to body temperature by the thermometer
	// Uncertain marks a reading the thermometer doubts (samples disagree,
	// implausible value, ambient out of range); Why says why, for the log.
	Uncertain bool
	Why       string
	// Manual marks a reading the guard entered by hand.
	Manual bool
	// Samples are the sensor's individual readings behind Raw.
	Samples []physic.Temperature
}

// Mask is what the guard confirmed about a mask (docs/product.md
// "What a checkpoint checks": the guard confirms); the console toggles it.
type Mask uint8

const (
	MaskUnknown Mask = iota // the guard did not say
	MaskWorn
	MaskMissing
)

// Input is everything a decision may depend on. The pipeline gathers it;
// Evaluate does no I/O and reads no clock.
type Input struct {
	// Lane is the direction of the lane the person is at.
	Lane wire.Lane
	// Reading is nil when no temperature could be taken.
	Reading *Reading
	// ThermometerErr says why Reading is nil.
	ThermometerErr error
	Credential     credential.Presented
	Mask           Mask
	// Registered is set when the guard completed the visitor form.
	Registered bool
	// Returnee: the registration marked them a returnee; PendingHold:
	// an earlier entry of theirs holds them for sampling (hold.go).
	Returnee, PendingHold bool
	// PriorFever is set when this person had a fever reading at this lane
	// within the policy's RecheckWindow; the pipeline tracks it.
	PriorFever bool
	// Occupancy is how many people are inside and Capacity how many may
	// be; nil means not known.
	Occupancy, Capacity *int
	// Household is the household's uses, for a household pass at the
	// quota's counting lane; nil: not counted (household.go).
	Household *HouseholdUses
	// Now is the unit's clock; ClockSynced says whether it can be trusted
	// (a Pi boots in 1970 until NTP syncs). Date rules are not applied
	// against an unsynced clock.
	Now         time.Time
	ClockSynced bool
	// AppointmentUsedAt is when this lane first admitted the booking the
	// registration code carries (the ledger knows); zero: never.
	AppointmentUsedAt time.Time
	// Vehicle is the vehicle the person is in at a vehicle lane; nil on foot.
	Vehicle *VehicleInput
}

// Decision is the outcome, why, and whether the centre must hear of it at
// once. Version names the policy that decided.
type Decision struct {
	Outcome wire.Decision
	Reasons []wire.Reason
	// Alert is "" or one of the Alert constants.
	Alert   string
	Version string
	// Household is the entry's household block, for a household pass at
	// the quota's counting lane.
	Household *wire.Household
}

// Decide applies p to in; it is Evaluate without the alert.
func (p Policy) Decide(in Input) (wire.Decision, []wire.Reason) {
	d := p.Evaluate(in)
	return d.Outcome, d.Reasons
}

// Evaluate applies p to in, in the plans' order: temperature → code →
// mask → registration, then capacity. A hard check that fails ends the
// decision with its outcome, except "register", which is asked for only
// after every check has had its say; a soft check logs its reason.
// People leaving are logged, not screened: an exit lane's entry closes a
// visitor's ledger line (及时销号) and keeps occupancy right.
func (p Policy) Evaluate(in Input) Decision {
	e := eval{p: p, in: in, d: Decision{Version: p.Version, Reasons: make([]wire.Reason, 0, 8)}}
	if in.Lane == wire.LaneOut {
		e.exit()
	} else {
		e.entry()
	}
	e.held()
	if in.Reading != nil && in.Reading.Manual {
		e.log(ReasonManualTemp)
	}
	e.settleHousehold()
	return e.d
}

// eval is one decision in progress. It holds copies of the policy and the
// input, not pointers: appending reasons makes escape analysis move
// whatever eval points to onto the heap, and a copy is cheaper than that.
type eval struct {
	p        Policy
	in       Input
	d        Decision
	register bool // a hard check asked for registration
	done     bool // a hard check chose the outcome
}

// entry runs the checks in order until one chooses the outcome. (Direct
// calls rather than a table of steps keep the decision off the heap.)
func (e *eval) entry() {
	if e.temperature(); e.done {
		return
	}
	if e.vehicle(); e.done {
		return
	}
	if e.identity(); e.done {
		return
	}
	if e.appointment(); e.done {
		return
	}
	if e.healthCode(); e.done {
		return
	}
	if e.watch(); e.done {
		return
	}
	if e.travelCard(); e.done {
		return
	}
	if e.nucleicAcid(); e.done {
		return
	}
	if e.mask(); e.done {
		return
	}
	if e.registration(); e.done {
		return
	}
	if e.returnee(); e.done {
		return
	}
	if e.household(); e.done {
		return
	}
	if e.capacity(); e.done {
		return
	}
	e.d.Outcome = wire.Allow
}

func (e *eval) exit() {
	e.d.Outcome = wire.Allow
	if !e.watchExit() {
		e.log(ReasonExit)
	}
	if !e.done {
		e.household()
	}
}

func (e *eval) log(r wire.Reason) { e.d.Reasons = append(e.d.Reasons, r) }

// alert keeps the first alert: the most urgent comes first in the order.
func (e *eval) alert(a string) {
	if e.d.Alert == "" {
		e.d.Alert = a
	}
}

// fail records a failed check: logged always; under a hard check, outcome
// ends the decision, or marks the person for registration.
func (e *eval) fail(m Mode, outcome wire.Decision, r wire.Reason) {
	e.log(r)
	switch {
	case m != Hard:
	case outcome == wire.Register:
		e.register = true
	default:
		e.d.Outcome, e.done = outcome, true
	}
}

// fallback applies a health code fallback for a result that could not be
// judged.
func (e *eval) fallback(m Mode, f Fallback, outcome wire.Decision, r wire.Reason) {
	switch f {
	case FallbackSoft:
		e.log(r)
	case FallbackRegister:
		e.fail(m, wire.Register, r)
	default:
		e.fail(m, outcome, r)
	}
}

// inForce reports whether a rule dated until still holds. Without a
// synced clock it is assumed to: a roster entry is not dropped because
// the unit booted in 1970.
func (e *eval) inForce(until time.Time) bool {
	return until.IsZero() || !e.in.ClockSynced || e.in.Now.Before(until)
}

// group is who the person counts as for checks with applies_to.
func (e *eval) group() Group {
	if e.in.Credential.Wire.Kind == wire.CredentialResidentPass {
		return Residents
	}
	return Visitors
}
