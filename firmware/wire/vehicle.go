package wire

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// A vehicle lane (车辆通道) at a community gate screens the people in a
// vehicle as it screens people on foot (the four musts, 四件套, "for people
// in vehicles too": docs/product.md "Closed-management community gates")
// and decides about the vehicle itself: resident and supply vehicles with
// a pass are admitted, outside vehicles are persuaded to return (劝返) in
// closed management. Each occupant's entry is a person's entry with a
// Vehicle block; the vehicle's own outcome is a record (RecordVehicle), so
// no consumer counts a vehicle as a person: its occupants are counted,
// each once, by their own entries.

// VehicleRole is who an entry with a Vehicle block is about.
type VehicleRole string

const (
	VehicleDriver    VehicleRole = "driver"    // the occupant at the wheel
	VehiclePassenger VehicleRole = "passenger" // any other occupant
	VehicleItself    VehicleRole = "vehicle"   // the vehicle's own record
)

// VehicleKind is what the gate found the vehicle to be.
type VehicleKind string

const (
	VehicleResident VehicleKind = "resident" // a resident's car: a pass bound to the plate, or the policy's plate list
	VehicleSupply   VehicleKind = "supply"   // a supply vehicle whose driver holds a supply pass (保供车辆)
	VehicleOutside  VehicleKind = "outside"  // anything else (外来车辆)
	VehicleUnknown  VehicleKind = "unknown"  // not known yet: no driver's pass seen
)

// Vehicle ties an entry to a vehicle: the plate, who the entry is about,
// what the vehicle was judged to be and the lane's session that keeps the
// vehicle's people together (one session per vehicle at the lane).
type Vehicle struct {
	Plate   string      `json:"plate"`
	Colour  string      `json:"colour,omitempty"` // PlateColours
	Role    VehicleRole `json:"role"`
	Kind    VehicleKind `json:"kind"`
	Session string      `json:"session"`
	// Source is how the plate came: "guard" typed it, "anpr" a camera
	// read it (over serial or HTTP).
	Source string `json:"source,omitempty"`
}

// Plate sources.
const (
	PlateByGuard = "guard"
	PlateByANPR  = "anpr"
)

// VehicleOutcome is the vehicle's own result, on its record: the decision
// about the vehicle (allow, persuade_return, deny, register) and how many
// occupants were screened in its session.
type VehicleOutcome struct {
	Decision  Decision `json:"decision"`
	Occupants int      `json:"occupants"`
}

// RecordVehicle is the record of a vehicle's outcome at a vehicle lane;
// Entry.Vehicle (role "vehicle") names it and Record.Vehicle holds the
// outcome.
const RecordVehicle RecordKind = "vehicle"

// vehicleDecisions are the outcomes a vehicle can have.
var vehicleDecisions = map[Decision]bool{Allow: true, PersuadeReturn: true, Deny: true, Register: true}

// PlateColours are the plate colours a camera or a guard may give (蓝牌,
// 黄牌, 绿牌 for new-energy vehicles, 白牌 police and military, 黑牌
// foreign and HK/Macau).
var PlateColours = map[string]bool{"blue": true, "yellow": true, "green": true,
	"white": true, "black": true}

// MaxSessionID bounds a vehicle session id.
const MaxSessionID = 64

func (v *Vehicle) validate(record bool) error {
	if err := ValidatePlate(v.Plate); err != nil {
		return err
	}
	if v.Colour != "" && !PlateColours[v.Colour] {
		return fmt.Errorf("colour %q: use blue, yellow, green, white, black or leave it out", v.Colour)
	}
	switch {
	case record && v.Role != VehicleItself:
		return fmt.Errorf("role %q: a vehicle record's role is %q", v.Role, VehicleItself)
	case !record && v.Role != VehicleDriver && v.Role != VehiclePassenger:
		return fmt.Errorf("role %q: an occupant is %q or %q", v.Role, VehicleDriver, VehiclePassenger)
	}
	switch v.Kind {
	case VehicleResident, VehicleSupply, VehicleOutside, VehicleUnknown:
	default:
		return fmt.Errorf("kind %q: use resident, supply, outside or unknown", v.Kind)
	}
	if v.Session == "" || len(v.Session) > MaxSessionID || !utf8.ValidString(v.Session) {
		return fmt.Errorf("session must be 1-%d characters of UTF-8", MaxSessionID)
	}
	if v.Source != "" && v.Source != PlateByGuard && v.Source != PlateByANPR {
		return fmt.Errorf("source %q: use %q, %q or leave it out", v.Source, PlateByGuard, PlateByANPR)
	}
	return nil
}

// validateVehicle holds an entry's vehicle block and its vehicle record
// together: a vehicle record needs the block with role "vehicle", and a
// person's entry may carry one with role driver or passenger.
func (e *Entry) validateVehicle() error {
	bad := func(field string, err error) error { return fmt.Errorf("wire: entry %s: %w", field, err) }
	isRecord := e.Record != nil && e.Record.Kind == RecordVehicle
	switch {
	case isRecord && e.Vehicle == nil:
		return bad("vehicle", fmt.Errorf("a vehicle record needs the vehicle block"))
	case e.Vehicle == nil:
		return nil
	case e.Record != nil && !isRecord:
		return bad("vehicle", fmt.Errorf("a %s record has no vehicle", e.Record.Kind))
	}
	if err := e.Vehicle.validate(isRecord); err != nil {
		return bad("vehicle", err)
	}
	return nil
}

// validateVehicle is Record.validate for RecordVehicle.
func (r *Record) validateVehicle() error {
	if r.Kind != RecordVehicle || r.Vehicle == nil || r.Duty != nil || r.Shift != nil || r.Occupancy != nil {
		return fmt.Errorf("kind vehicle needs vehicle and nothing else; vehicle goes only with kind vehicle")
	}
	if !vehicleDecisions[r.Vehicle.Decision] {
		return fmt.Errorf("vehicle.decision %q: a vehicle is allow, persuade_return, deny or register", r.Vehicle.Decision)
	}
	if r.Vehicle.Occupants < 0 || r.Vehicle.Occupants > 99 {
		return fmt.Errorf("vehicle.occupants %d: 0-99", r.Vehicle.Occupants)
	}
	return nil
}

// Provinces are the first characters of Chinese civilian plates (GA 36):
// the 31 provincial-level divisions of the mainland.
const Provinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

// PlateSuffixes end a plate of four alphanumerics: 学 (driving school),
// 警 (police), 挂 (trailer), 领 (consulate), 使 (embassy), 港 and 澳
// (cross-border vehicles of Hong Kong and Macau).
const PlateSuffixes = "学警挂领使港澳"

// PlateRules says in one sentence what ValidatePlate accepts, for errors
// shown to guards and to whoever sets up a camera.
const PlateRules = "a plate is a province character (京, 粤, …), a letter A-Z, then 5 letters or digits " +
	"(6 for a new-energy plate, starting or ending with D or F), or 4 and one of 学警挂领使港澳; " +
	"no I or O (车牌: 省份简称 + 字母 + 5 位字母数字，新能源 6 位，或 4 位加 学/警/挂/领/使/港/澳)"

// NormalisePlate puts a plate as typed or read into the form it is
// stored in: upper case, without the spaces, dots and dashes people and
// cameras put in (粤B·12345, 粤b 12345 → 粤B12345).
func NormalisePlate(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '\t', '·', '•', '.', '-', '\u3000':
			continue
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ValidatePlate checks a normalised plate (NormalisePlate) against
// PlateRules.
func ValidatePlate(p string) error {
	rs := []rune(p)
	if len(rs) < 7 || len(rs) > 8 {
		return fmt.Errorf("plate %q has %d characters, not 7 or 8: %s", clipPlate(p), len(rs), PlateRules)
	}
	if !strings.ContainsRune(Provinces, rs[0]) {
		return fmt.Errorf("plate %q does not start with a province character: %s", clipPlate(p), PlateRules)
	}
	if !plateLetter(rs[1]) {
		return fmt.Errorf("plate %q: the second character must be a letter A-Z other than I or O", clipPlate(p))
	}
	tail := rs[2:]
	switch {
	case len(tail) == 5 && strings.ContainsRune(PlateSuffixes, tail[4]) && allPlateAlnum(tail[:4]):
	case len(tail) == 5 && allPlateAlnum(tail):
	case len(tail) == 6 && allPlateAlnum(tail) && newEnergy(tail):
	default:
		return fmt.Errorf("plate %q: %s", clipPlate(p), PlateRules)
	}
	return nil
}

// newEnergy: a small new-energy car's serial starts with D (electric) or
// F (hybrid), a large one's ends with it.
func newEnergy(t []rune) bool {
	df := func(r rune) bool { return r == 'D' || r == 'F' }
	return df(t[0]) || df(t[len(t)-1])
}

// plateLetter is A-Z without I and O, which plates leave out because
// they read as 1 and 0.
func plateLetter(r rune) bool { return r >= 'A' && r <= 'Z' && r != 'I' && r != 'O' }

func allPlateAlnum(rs []rune) bool {
	for _, r := range rs {
		if !plateLetter(r) && !(r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// clipPlate keeps a refused plate short and printable in an error.
func clipPlate(p string) string {
	if !utf8.ValidString(p) {
		return "(not UTF-8)"
	}
	if rs := []rune(p); len(rs) > 12 {
		return string(rs[:12]) + "…"
	}
	return p
}
