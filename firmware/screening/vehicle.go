package screening

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// A vehicle lane (车辆通道) screens a vehicle as one session: the plate
// comes first (typed by the guard or read by a camera), then each person
// in the vehicle is screened as a person on foot (the four musts, 四件套),
// the first as its driver, and the session ends with the vehicle's own
// outcome, a record (wire.RecordVehicle) that names the same session as
// its occupants' entries. An outside vehicle the policy turns back ends
// its session as soon as that is known; an admitted one when the guard
// lets it through or the next vehicle's plate arrives.

// vehicleSession is the vehicle at the lane. Guarded by Pipeline.mu.
type vehicleSession struct {
	block     wire.Vehicle // plate, colour, kind, session id, source
	occupants []*person    // in the order screened; the first is the driver
	record    *wire.Entry  // the vehicle's record, once logged
}

// VehicleView is the vehicle on the guard's screen: the plate, what it
// was judged to be, its occupants' latest entries and the outcome it
// would have if let through now (or had, once Closed).
type VehicleView struct {
	Session   string           `json:"session"`
	Plate     string           `json:"plate"`
	Colour    string           `json:"colour,omitempty"`
	Source    string           `json:"source,omitempty"`
	Kind      wire.VehicleKind `json:"kind"`
	Occupants []wire.Entry     `json:"occupants"`
	Decision  wire.Decision    `json:"decision"`
	Reasons   []wire.Reason    `json:"reasons"`
	Closed    bool             `json:"closed"`
	// Record is the vehicle's record, once Closed.
	Record *wire.Entry `json:"record,omitempty"`
}

// Errors of the vehicle lane; the console answers them with 409 or 400
// and their Chinese text.
var (
	ErrNoVehicle = errors.New("screening: no vehicle at the lane; enter its plate first (请先录入车牌)")
	ErrBadPlate  = errors.New("screening: plate refused (车牌号格式不对)")
)

// OpenVehicle starts a vehicle's session at the lane. The plate is
// normalised and must be a Chinese plate (wire.ValidatePlate). The same
// plate again while its session is open (a camera reading the car again,
// the guard typing what the camera read) continues that session; another
// plate ends the vehicle before it, as if the guard let it through.
func (p *Pipeline) OpenVehicle(ctx context.Context, plate, colour, source, by string) (VehicleView, error) {
	plate = wire.NormalisePlate(plate)
	if err := wire.ValidatePlate(plate); err != nil {
		return VehicleView{}, fmt.Errorf("%w: %v", ErrBadPlate, err)
	}
	if !wire.PlateColours[colour] {
		colour = ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if v := p.vehicle; v != nil && !v.closed() {
		if v.block.Plate == plate {
			return p.viewLocked(), nil
		}
		if _, err := p.closeVehicleLocked(ctx, by); err != nil {
			return VehicleView{}, err
		}
	}
	kind := wire.VehicleUnknown
	if slices.Contains(p.opts.Policy().Checks.Vehicle.ResidentPlates, plate) {
		kind = wire.VehicleResident
	}
	p.vehicle = &vehicleSession{block: wire.Vehicle{Plate: plate, Colour: colour, Kind: kind,
		Session: p.opts.NewID(), Source: source}}
	p.opts.Logger.Info("vehicle at the lane", "plate", plate, "source", source, "kind", kind)
	return p.viewLocked(), nil
}

// CloseVehicle ends the vehicle's session with its outcome, logged as
// the vehicle's record: the guard let it through or turned it back.
func (p *Pipeline) CloseVehicle(ctx context.Context, by string) (VehicleView, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.vehicle == nil || p.vehicle.closed() {
		return VehicleView{}, ErrNoVehicle
	}
	if _, err := p.closeVehicleLocked(ctx, by); err != nil {
		return VehicleView{}, err
	}
	return p.viewLocked(), nil
}

// Vehicle is the vehicle on screen (the last one, once closed), or nil.
func (p *Pipeline) Vehicle() *VehicleView {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.vehicle == nil {
		return nil
	}
	v := p.viewLocked()
	return &v
}

// record is set once the session's record is logged.
func (v *vehicleSession) closed() bool { return v.record != nil }

// boardLocked puts a newly screened person in the open vehicle: the
// first is the driver, whose pass says what the vehicle is when its plate
// did not. Callers hold mu.
func (p *Pipeline) boardLocked(pr *person, cred credential.Presented) {
	v := p.vehicle
	if v == nil || v.closed() {
		return
	}
	role := wire.VehiclePassenger
	if len(v.occupants) == 0 {
		role = wire.VehicleDriver
		if v.block.Kind == wire.VehicleUnknown {
			now, synced := p.opts.Now()
			v.block.Kind = p.opts.Policy().VehicleKind(v.block.Plate, cred, policy.Input{Now: now, ClockSynced: synced})
		}
	}
	v.occupants = append(v.occupants, pr)
	pr.vehicle = &wire.Vehicle{Plate: v.block.Plate, Colour: v.block.Colour, Role: role, Kind: v.block.Kind,
		Session: v.block.Session, Source: v.block.Source}
	pr.in.Vehicle = &policy.VehicleInput{Plate: v.block.Plate, Role: role, Kind: v.block.Kind}
}

// vehicleDecidedLocked ends the session of a vehicle the policy turns
// back as soon as its driver's decision shows it: nobody else in it needs
// screening. Callers hold mu.
func (p *Pipeline) vehicleDecidedLocked(ctx context.Context, pr *person) {
	v := p.vehicle
	if v == nil || v.closed() || pr.vehicle == nil || pr.vehicle.Session != v.block.Session {
		return
	}
	if d := p.vehicleDecisionLocked(); (v.block.Kind == wire.VehicleOutside || v.block.Kind == wire.VehicleUnknown) &&
		d.Outcome != wire.Allow && d.Outcome != wire.Register {
		if _, err := p.closeVehicleLocked(ctx, p.opts.OnDuty()); err != nil {
			p.opts.Logger.Error("vehicle record not logged; turn the vehicle back by hand", "err", err)
		}
	}
}

// vehicleDecisionLocked is the open vehicle's outcome now. A vehicle
// leaving is logged, not judged, as a person leaving is. Callers hold mu.
func (p *Pipeline) vehicleDecisionLocked() policy.Decision {
	v := p.vehicle
	if p.opts.Lane == wire.LaneOut {
		return policy.Decision{Outcome: wire.Allow, Reasons: []wire.Reason{policy.ReasonExit}, Version: p.opts.Policy().Version}
	}
	ds := make([]wire.Decision, 0, len(v.occupants))
	for _, o := range v.occupants {
		if !o.dismissed {
			ds = append(ds, o.entry.Decision)
		}
	}
	return p.opts.Policy().VehicleDecision(v.block.Kind, ds)
}

// closeVehicleLocked logs the vehicle's record. Callers hold mu.
func (p *Pipeline) closeVehicleLocked(ctx context.Context, by string) (wire.Entry, error) {
	v := p.vehicle
	d := p.vehicleDecisionLocked()
	now, synced := p.opts.Now()
	block := v.block
	block.Role = wire.VehicleItself
	e := wire.Entry{
		Schema: wire.SchemaVersion, ID: p.opts.NewID(),
		Site: p.opts.Site, Unit: p.opts.Unit, BootID: p.opts.BootID, Lane: p.opts.Lane,
		Time: now, ClockSynced: synced, Credential: wire.Credential{Kind: wire.CredentialNone},
		PolicyVersion: d.Version, Reasons: d.Reasons, Guard: by, Vehicle: &block,
		Record: &wire.Record{Kind: wire.RecordVehicle,
			Vehicle: &wire.VehicleOutcome{Decision: d.Outcome, Occupants: len(v.occupants)}},
	}
	if err := p.ledger.Append(ctx, &e); err != nil {
		return wire.Entry{}, fmt.Errorf("screening: vehicle %s: %w", v.block.Plate, err)
	}
	v.record = &e
	p.opts.Logger.Info("vehicle decided", "plate", v.block.Plate, "decision", d.Outcome, "occupants", len(v.occupants), "seq", e.Seq)
	p.opts.Recorded(e)
	return e, nil
}

// viewLocked is the vehicle for the screen. Callers hold mu.
func (p *Pipeline) viewLocked() VehicleView {
	v := p.vehicle
	out := VehicleView{Session: v.block.Session, Plate: v.block.Plate, Colour: v.block.Colour,
		Source: v.block.Source, Kind: v.block.Kind, Occupants: make([]wire.Entry, 0, len(v.occupants))}
	for _, o := range v.occupants {
		out.Occupants = append(out.Occupants, o.entry)
	}
	if v.closed() {
		out.Closed, out.Record = true, v.record
		out.Decision, out.Reasons = v.record.Record.Vehicle.Decision, v.record.Reasons
		return out
	}
	d := p.vehicleDecisionLocked()
	out.Decision, out.Reasons = d.Outcome, d.Reasons
	return out
}
