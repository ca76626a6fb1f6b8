package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

const plate = "粤B12345"

// inVehicle puts the person in a vehicle of kind, in role.
func inVehicle(role wire.VehicleRole, kind wire.VehicleKind) func(*Input) {
	return func(in *Input) { in.Vehicle = &VehicleInput{Plate: plate, Role: role, Kind: kind} }
}

func supplyPass() person { return pass(credential.StatusValid, credential.RoleSupplyVehicle) }

func boundPass(p string) person {
	c := resident()
	c.Plate = p
	return c
}

func TestVehicleKindComesFromPlateListAndDriversPass(t *testing.T) {
	closed := profile(t, "community-closed")
	listed := closed
	listed.Checks.Vehicle.ResidentPlates = []string{plate}
	for _, c := range []struct {
		name   string
		p      Policy
		driver person
		in     Input
		want   wire.VehicleKind
	}{
		{"plate on the list, no pass", listed, noCode(), at(noCode()), wire.VehicleResident},
		{"resident pass bound to the plate", closed, boundPass(plate), at(resident()), wire.VehicleResident},
		{"resident pass bound to another car", closed, boundPass("粤B54321"), at(resident()), wire.VehicleOutside},
		{"resident pass bound to no car", closed, resident(), at(resident()), wire.VehicleOutside},
		{"supply pass", closed, supplyPass(), at(resident()), wire.VehicleSupply},
		{"revoked supply pass", closed, pass(credential.StatusRevoked, credential.RoleSupplyVehicle), at(resident()), wire.VehicleOutside},
		{"supply pass past its date", closed, expiring(supplyPass(), now.Add(-1)), at(resident()), wire.VehicleOutside},
		{"supply pass past its date, clock unsynced", closed, expiring(supplyPass(), now.Add(-1)), at(resident(), unsynced), wire.VehicleSupply},
		{"green health code only", closed, code(green), at(code(green)), wire.VehicleOutside},
		{"courier pass", closed, courier(), at(courier()), wire.VehicleOutside},
		{"forged pass", closed, pass(credential.StatusVerifyFailed, credential.RoleSupplyVehicle), at(resident()), wire.VehicleOutside},
	} {
		if got := c.p.VehicleKind(plate, c.driver, c.in); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// vehicleCases are the occupants' decisions at a vehicle lane under the
// two community profiles.
var vehicleCases = map[string][]decisionCase{
	"community-closed": {
		{"supply driver stays in the cab, no test asked", at(supplyPass(), inVehicle(wire.VehicleDriver, wire.VehicleSupply)), wire.Allow,
			"temp_normal vehicle_supply pass_valid supply_driver_in_cab mask_worn", ""},
		{"supply passenger with a pass needs the test", at(supplyPass(), inVehicle(wire.VehiclePassenger, wire.VehicleSupply)), wire.Hold,
			"hold_for_sampling temp_normal vehicle_supply pass_valid nucleic_missing", ""},
		{"outside vehicle's driver persuaded", at(tested(code(green), 2), inVehicle(wire.VehicleDriver, wire.VehicleOutside)), wire.PersuadeReturn,
			"temp_normal vehicle_outside", ""},
		{"resident in a resident car, tested", at(tested(resident(), 2), inVehicle(wire.VehicleDriver, wire.VehicleResident)), wire.Allow,
			"temp_normal vehicle_resident pass_valid nucleic_ok mask_worn", ""},
		{"outsider in a resident car persuaded", at(tested(code(green), 2), inVehicle(wire.VehiclePassenger, wire.VehicleResident)), wire.PersuadeReturn,
			"temp_normal vehicle_resident outsider_not_admitted", ""},
		{"fever in a supply vehicle rechecks first", at(supplyPass(), fever, inVehicle(wire.VehicleDriver, wire.VehicleSupply)), wire.Recheck,
			"fever_recheck", ""},
		{"no mask in a supply cab", at(supplyPass(), noMask, inVehicle(wire.VehicleDriver, wire.VehicleSupply)), wire.Deny,
			"temp_normal vehicle_supply pass_valid supply_driver_in_cab mask_missing", ""},
		{"red-code outsider in a resident car persuaded", at(code(red), inVehicle(wire.VehicleDriver, wire.VehicleResident)), wire.PersuadeReturn,
			"temp_normal vehicle_resident outsider_not_admitted", ""},
	},
	"community-normal": {
		{"outside vehicle registers", at(code(green), inVehicle(wire.VehicleDriver, wire.VehicleOutside)), wire.Register,
			"temp_normal vehicle_outside_register visitor_register health_code_green mask_worn", ""},
		{"outside vehicle registered enters", at(code(green), registered, inVehicle(wire.VehicleDriver, wire.VehicleOutside)), wire.Allow,
			"temp_normal vehicle_outside_register visitor_register health_code_green mask_worn registered", ""},
		{"supply driver", at(supplyPass(), inVehicle(wire.VehicleDriver, wire.VehicleSupply)), wire.Allow,
			"temp_normal vehicle_supply pass_valid mask_worn", ""},
		{"on foot nothing changes", at(resident()), wire.Allow, "temp_normal pass_valid mask_worn", ""},
	},
	"class-b": {
		{"no vehicle rule, logged", at(noCode(), inVehicle(wire.VehicleDriver, wire.VehicleOutside)), wire.Allow,
			"temp_normal vehicle_unchecked", ""},
	},
}

func TestVehicleOccupantsDecide(t *testing.T) {
	for name, cases := range vehicleCases {
		p := profile(t, name)
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				d := p.Evaluate(c.in)
				if got := codes(d.Reasons); d.Outcome != c.outcome || got != c.reasons || d.Alert != c.alert {
					t.Fatalf("got %s [%s] alert %q, want %s [%s] alert %q", d.Outcome, got, d.Alert, c.outcome, c.reasons, c.alert)
				}
				checkTexts(t, d.Reasons)
			})
		}
	}
}

func TestVehicleDecision(t *testing.T) {
	closed, normal, classB := profile(t, "community-closed"), profile(t, "community-normal"), profile(t, "class-b")
	soft := closed
	soft.Checks.Vehicle.Mode = Soft
	A, P, D, R, W := wire.Allow, wire.PersuadeReturn, wire.Deny, wire.Register, wire.Recheck
	for _, c := range []struct {
		name      string
		p         Policy
		kind      wire.VehicleKind
		occupants []wire.Decision
		want      wire.Decision
		reasons   string
	}{
		{"closed: outside vehicle turned back", closed, wire.VehicleOutside, nil, P, "vehicle_outside"},
		{"closed: unknown vehicle turned back", closed, wire.VehicleUnknown, []wire.Decision{A}, P, "vehicle_outside"},
		{"closed: supply vehicle, driver passed", closed, wire.VehicleSupply, []wire.Decision{A}, A, "vehicle_supply"},
		{"closed: resident car, everyone passed", closed, wire.VehicleResident, []wire.Decision{A, A, A}, A, "vehicle_resident"},
		{"closed: nobody screened", closed, wire.VehicleResident, nil, D, "vehicle_resident vehicle_no_occupants"},
		{"closed: passenger persuaded", closed, wire.VehicleResident, []wire.Decision{A, P}, P, "vehicle_resident vehicle_occupant_refused"},
		{"closed: passenger left to re-check", closed, wire.VehicleSupply, []wire.Decision{A, W, P}, D, "vehicle_supply vehicle_occupant_refused"},
		{"closed: passenger to register", closed, wire.VehicleResident, []wire.Decision{R, A}, R, "vehicle_resident vehicle_occupant_refused"},
		{"normal: outside vehicle registers", normal, wire.VehicleOutside, []wire.Decision{A}, R, "vehicle_outside_register"},
		{"soft: outside vehicle logged", soft, wire.VehicleOutside, nil, A, "vehicle_outside"},
		{"soft: nobody screened logged", soft, wire.VehicleSupply, nil, A, "vehicle_supply vehicle_no_occupants"},
		{"off: logged", classB, wire.VehicleOutside, nil, A, "vehicle_unchecked"},
	} {
		d := c.p.VehicleDecision(c.kind, c.occupants)
		if got := codes(d.Reasons); d.Outcome != c.want || got != c.reasons || d.Version != c.p.Version {
			t.Errorf("%s: got %s [%s] %s, want %s [%s]", c.name, d.Outcome, got, d.Version, c.want, c.reasons)
		}
		checkTexts(t, d.Reasons)
	}
}

func TestVehicleCheckValidationNamesEveryProblem(t *testing.T) {
	doc := `version = "v"
facility = "community"
phase = "closed"
[checks.vehicle]
mode = "hrad"
outside = "wait"
resident_plates = ["粤B12345", "粤B 12345", "粤B12345", "ABC"]
supply_drivr_test = true
`
	_, err := Parse([]byte(doc), "vehicle.toml")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"checks.vehicle.mode", "checks.vehicle.outside", "entry 2", "listed twice",
		"entry 4", "checks.vehicle.supply_drivr_test: unknown key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

func TestVehicleCheckRefusesAHugePlateList(t *testing.T) {
	p := profile(t, "community-closed")
	for i := 0; i <= MaxResidentPlates; i++ {
		p.Checks.Vehicle.ResidentPlates = append(p.Checks.Vehicle.ResidentPlates, "粤B12345")
	}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("a %d-plate list: %v", len(p.Checks.Vehicle.ResidentPlates), err)
	}
}

func TestPolicyWithoutVehicleRuleIsValidAndOff(t *testing.T) {
	p := Policy{Version: "v", Facility: Community, Phase: PhaseNormal, FeverCompare: AtOrOver,
		FeverThresholdC: 37.3, RecheckWindow: "10m"}
	p.Checks.Temperature = TemperatureCheck{Mode: Hard, OnFever: wire.Recheck}
	if d := p.VehicleDecision(wire.VehicleOutside, nil); d.Outcome != wire.Allow {
		t.Fatalf("a policy built without a vehicle rule decided %s", d.Outcome)
	}
}

// BenchmarkVehicleOccupant decides a supply vehicle's driver: the vehicle
// step and the person's checks, what a vehicle lane adds to each scan.
func BenchmarkVehicleOccupant(b *testing.B) {
	p := profile(b, "community-closed")
	p.Checks.Vehicle.ResidentPlates = make([]string, 0, MaxResidentPlates)
	for i := range MaxResidentPlates {
		p.Checks.Vehicle.ResidentPlates = append(p.Checks.Vehicle.ResidentPlates, fmt.Sprintf("粤B%05d", i))
	}
	in := at(supplyPass(), inVehicle(wire.VehicleDriver, wire.VehicleSupply))
	b.ReportAllocs()
	for b.Loop() {
		if p.VehicleKind("粤A99999", supplyPass(), in) != wire.VehicleSupply {
			b.Fatal("kind")
		}
		if d := p.Evaluate(in); d.Outcome != wire.Allow {
			b.Fatal(d.Outcome)
		}
	}
}
