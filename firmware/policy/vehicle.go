package policy

import (
	"slices"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// VehicleCheck is the rule of a vehicle lane (车辆通道, docs/product.md
// "Closed-management community gates"): resident vehicles (a resident's
// pass bound to the plate, or a plate in ResidentPlates) and supply
// vehicles whose driver holds a supply pass (保供车辆) are admitted; any
// other vehicle gets Outside: persuade_return (劝返) in closed
// management, register in normal times. The people in a vehicle are
// screened one by one as people on foot are (the four musts, 四件套);
// the driver of a supply vehicle stays in the cab, so the nucleic-acid
// rule, which is about entering among residents, is not asked of them
// unless SupplyDriverTest says so.
type VehicleCheck struct {
	Mode             Mode          `toml:"mode" json:"mode"`
	Outside          wire.Decision `toml:"outside" json:"outside"`
	ResidentPlates   []string      `toml:"resident_plates" json:"resident_plates,omitempty"`
	SupplyDriverTest bool          `toml:"supply_driver_test" json:"supply_driver_test,omitempty"`
}

// MaxResidentPlates bounds the plate list a policy document carries; a
// community with more cars binds plates to passes instead.
const MaxResidentPlates = 5000

// VehicleInput is the vehicle an occupant is in, as the lane's vehicle
// session knows it (firmware/screening's vehicle.go).
type VehicleInput struct {
	Plate string
	Role  wire.VehicleRole
	Kind  wire.VehicleKind
}

// Vehicle reasons. Codes are stored in ledgers: never change one.
var (
	ReasonVehicleResident  = wire.Reason{Code: "vehicle_resident", ZH: "本小区车辆", EN: "resident vehicle"}
	ReasonVehicleSupply    = wire.Reason{Code: "vehicle_supply", ZH: "保供车辆，凭通行证放行", EN: "supply vehicle with a pass"}
	ReasonVehicleOutside   = wire.Reason{Code: "vehicle_outside", ZH: "外来车辆，暂不得进入，请劝返", EN: "outside vehicle not admitted, persuade to return"}
	ReasonVehicleRegister  = wire.Reason{Code: "vehicle_outside_register", ZH: "外来车辆，请登记", EN: "outside vehicle, please register"}
	ReasonVehicleUnchecked = wire.Reason{Code: "vehicle_unchecked", ZH: "未启用车辆规则，已记录", EN: "no vehicle rule, logged"}
	ReasonDriverInCab      = wire.Reason{Code: "supply_driver_in_cab", ZH: "保供车辆司机不下车，免核酸查验", EN: "supply driver stays in the cab; no test asked"}
	ReasonOccupantRefused  = wire.Reason{Code: "vehicle_occupant_refused", ZH: "车内有人员未通过查验", EN: "an occupant did not pass screening"}
	ReasonNoOccupants      = wire.Reason{Code: "vehicle_no_occupants", ZH: "车内人员未查验（四件套）", EN: "nobody in the vehicle was screened (four musts)"}
)

// VehicleKind judges what a vehicle is from its plate and the pass its
// driver showed: a plate on the policy's list, or a valid resident pass
// bound to the plate, is a resident's; a valid supply pass makes a supply
// vehicle; anything else is an outside vehicle. A pass that does not
// pass the resident-pass rule (expired, revoked, forged) counts for
// nothing, and a resident pass bound to another plate does not bring in
// this car.
func (p Policy) VehicleKind(plate string, driver credential.Presented, in Input) wire.VehicleKind {
	if slices.Contains(p.Checks.Vehicle.ResidentPlates, plate) {
		return wire.VehicleResident
	}
	if driver.Wire.Kind != wire.CredentialResidentPass || !p.passAccepted(driver, in) {
		return wire.VehicleOutside
	}
	switch {
	case driver.Role == credential.RoleSupplyVehicle:
		return wire.VehicleSupply
	case driver.Plate != "" && driver.Plate == plate:
		return wire.VehicleResident
	}
	return wire.VehicleOutside
}

// passAccepted is the resident-pass rule's verdict on c, expiry included.
func (p Policy) passAccepted(c credential.Presented, in Input) bool {
	s := c.Status
	if !c.Expires.IsZero() && in.ClockSynced && !in.Now.Before(c.Expires) {
		s = credential.StatusExpired
	}
	return slices.Contains(p.Checks.ResidentPass.Accept, s)
}

// VehicleDecision is the vehicle's own outcome once its occupants were
// screened (their latest decisions): an outside vehicle gets the rule's
// Outside; an admitted vehicle is let in only with every occupant let
// in, and with at least one occupant screened (the four musts are for
// people in vehicles too).
func (p Policy) VehicleDecision(kind wire.VehicleKind, occupants []wire.Decision) Decision {
	d := Decision{Version: p.Version, Outcome: wire.Allow}
	v := p.Checks.Vehicle
	switch {
	case v.off():
		d.Reasons = []wire.Reason{ReasonVehicleUnchecked}
		return d
	case kind != wire.VehicleResident && kind != wire.VehicleSupply:
		r := ReasonVehicleOutside
		if v.Outside == wire.Register {
			r = ReasonVehicleRegister
		}
		d.Reasons = []wire.Reason{r}
		if v.Mode == Hard {
			d.Outcome = v.Outside
		}
		return d
	case kind == wire.VehicleSupply:
		d.Reasons = []wire.Reason{ReasonVehicleSupply}
	default:
		d.Reasons = []wire.Reason{ReasonVehicleResident}
	}
	switch worst := worstOccupant(occupants); {
	case len(occupants) == 0:
		d.Reasons = append(d.Reasons, ReasonNoOccupants)
		if v.Mode == Hard {
			d.Outcome = wire.Deny
		}
	case worst != wire.Allow:
		d.Reasons = append(d.Reasons, ReasonOccupantRefused)
		if v.Mode == Hard {
			d.Outcome = worst
		}
	}
	return d
}

// worstOccupant maps the occupants' decisions onto a vehicle's: anyone
// denied, referred, still to be measured or made to wait keeps the
// vehicle out (deny); then anyone persuaded to return; then anyone still
// to register.
func worstOccupant(ds []wire.Decision) wire.Decision {
	worst := wire.Allow
	for _, d := range ds {
		switch d {
		case wire.Allow:
		case wire.PersuadeReturn:
			if worst != wire.Deny {
				worst = wire.PersuadeReturn
			}
		case wire.Register:
			if worst == wire.Allow {
				worst = wire.Register
			}
		default:
			worst = wire.Deny
		}
	}
	return worst
}

// vehicle judges the vehicle an occupant is in: an occupant of an
// outside vehicle shares its outcome (the vehicle turns back with them
// in it); in an admitted vehicle each occupant goes on through the
// person's checks.
func (e *eval) vehicle() {
	v := e.p.Checks.Vehicle
	in := e.in.Vehicle
	switch {
	case in == nil:
	case v.off():
		e.log(ReasonVehicleUnchecked)
	case in.Kind == wire.VehicleResident:
		e.log(ReasonVehicleResident)
	case in.Kind == wire.VehicleSupply:
		e.log(ReasonVehicleSupply)
	case v.Outside == wire.Allow:
		e.log(ReasonVehicleOutside)
	case v.Outside == wire.Register:
		e.fail(v.Mode, wire.Register, ReasonVehicleRegister)
	default:
		e.fail(v.Mode, v.Outside, ReasonVehicleOutside)
	}
}

// cabDriver reports whether the person is the driver of a supply vehicle
// who stays in the cab and is spared the nucleic-acid rule.
func (e *eval) cabDriver() bool {
	in := e.in.Vehicle
	return in != nil && in.Role == wire.VehicleDriver && in.Kind == wire.VehicleSupply &&
		!e.p.Checks.Vehicle.off() && !e.p.Checks.Vehicle.SupplyDriverTest
}

// applyDefaults: a document without [checks.vehicle] has no vehicle
// rule; an outside vehicle registers unless the document says otherwise.
func (v *VehicleCheck) applyDefaults() {
	orStr(&v.Mode, Off)
	orStr(&v.Outside, wire.Register)
}

// off reports whether the rule is off; a policy built in code rather than
// parsed may leave the mode empty, which is off, as left out of a document.
func (v VehicleCheck) off() bool { return v.Mode == Off || v.Mode == "" }

func (v VehicleCheck) check(c *checker) {
	if v.Mode != "" {
		oneOf(c, "checks.vehicle.mode", v.Mode, modes...)
	}
	if v.Outside != "" || !v.off() {
		oneOf(c, "checks.vehicle.outside", v.Outside, wire.PersuadeReturn, wire.Deny, wire.Register, wire.Allow)
	}
	if len(v.ResidentPlates) > MaxResidentPlates {
		c.bad("checks.vehicle.resident_plates", "%d plates, at most %d: bind plates to resident passes instead", len(v.ResidentPlates), MaxResidentPlates)
		return
	}
	seen := make(map[string]bool, len(v.ResidentPlates))
	for i, pl := range v.ResidentPlates {
		switch err := wire.ValidatePlate(pl); {
		case err != nil:
			c.bad("checks.vehicle.resident_plates", "entry %d: %v (write it as 粤B12345: no spaces or dots)", i+1, err)
		case seen[pl]:
			c.bad("checks.vehicle.resident_plates", "%s is listed twice", pl)
		}
		seen[pl] = true
	}
}
