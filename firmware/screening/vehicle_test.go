package screening

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// people is a credential checker at the hardware edge: each code stands
// for a person the test names.
type people map[string]credential.Presented

func (pp people) Check(_ context.Context, code []byte) credential.Presented {
	if p, ok := pp[string(code)]; ok {
		return p
	}
	return credential.Presented{Wire: wire.Credential{Kind: wire.CredentialNone, Result: "none"}}
}

var gateCrowd = people{
	"SUPPLY": {Wire: wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: "S-1"},
		Status: credential.StatusValid, Role: credential.RoleSupplyVehicle},
	"OWNER": {Wire: wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: "R-1"},
		Status: credential.StatusValid, Role: credential.RoleResident, Plate: "粤B12345",
		NucleicAcidAt: time.Unix(1, 0)}, // tested; the lane's clock is not synced, so not aged
	"GREEN": {Wire: wire.Credential{Kind: wire.CredentialHealthCode, Result: "green", Subject: "H-1"},
		Status: credential.StatusGreen},
}

func closedLane(t *testing.T, th Thermometer) (*Pipeline, *memLedger) {
	t.Helper()
	p, err := policy.Load("../../configs/policies/community-closed.toml")
	if err != nil {
		t.Fatal(err)
	}
	var decided []wire.Entry
	o := options(&decided)
	o.Policy, o.Credentials = func() policy.Policy { return p }, gateCrowd
	led := &memLedger{}
	pl, err := New(th, &scripted{}, led, o)
	if err != nil {
		t.Fatal(err)
	}
	return pl, led
}

var normalForehead = fixedThermo{t: physic.ZeroCelsius + 36*physic.Kelvin}

func openVehicle(t *testing.T, p *Pipeline, plate string) VehicleView {
	t.Helper()
	v, err := p.OpenVehicle(context.Background(), plate, "blue", wire.PlateByANPR, "")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func screenCode(t *testing.T, p *Pipeline, code string) wire.Entry {
	t.Helper()
	e, err := p.Screen(context.Background(), []byte(code))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAnOutsideVehicleIsTurnedBackWithItsDriver(t *testing.T) {
	p, led := closedLane(t, normalForehead)
	v := openVehicle(t, p, "沪a·12345")
	if v.Plate != "沪A12345" || v.Kind != wire.VehicleUnknown || v.Closed {
		t.Fatalf("vehicle on screen: %+v", v)
	}
	e := screenCode(t, p, "GREEN")
	if e.Decision != wire.PersuadeReturn || e.Vehicle == nil || e.Vehicle.Role != wire.VehicleDriver ||
		e.Vehicle.Kind != wire.VehicleOutside || e.Vehicle.Session != v.Session || e.Vehicle.Plate != "沪A12345" {
		t.Fatalf("driver's entry: %s %+v", e.Decision, e.Vehicle)
	}
	if len(led.entries) != 2 {
		t.Fatalf("ledger holds %d entries, want the driver and the vehicle's record", len(led.entries))
	}
	rec := led.entries[1]
	if !rec.IsRecord() || rec.Record.Kind != wire.RecordVehicle || rec.Record.Vehicle.Decision != wire.PersuadeReturn ||
		rec.Record.Vehicle.Occupants != 1 || rec.Vehicle.Session != v.Session || rec.Vehicle.Role != wire.VehicleItself {
		t.Fatalf("vehicle record: %+v %+v", rec.Record, rec.Vehicle)
	}
	if err := rec.Validate(); err != nil {
		t.Fatalf("the record would not travel: %v", err)
	}
	if now := p.Vehicle(); now == nil || !now.Closed || now.Decision != wire.PersuadeReturn {
		t.Fatalf("screen shows %+v", now)
	}
	// The next person is on foot: the vehicle is gone.
	if e := screenCode(t, p, "SUPPLY"); e.Vehicle != nil {
		t.Fatalf("a person after the vehicle left was put in it: %+v", e.Vehicle)
	}
}

func TestASupplyVehicleWithAPassIsAdmittedAndItsDriverStaysInTheCab(t *testing.T) {
	p, led := closedLane(t, normalForehead)
	v := openVehicle(t, p, "粤B54321")
	e := screenCode(t, p, "SUPPLY")
	if e.Decision != wire.Allow || e.Vehicle.Kind != wire.VehicleSupply || !hasReason(e.Reasons, policy.ReasonDriverInCab.Code) {
		t.Fatalf("supply driver: %s %+v %v", e.Decision, e.Vehicle, e.Reasons)
	}
	if got := p.Vehicle(); got.Closed || got.Decision != wire.Allow || len(got.Occupants) != 1 {
		t.Fatalf("an admitted vehicle waits for the guard: %+v", got)
	}
	closed, err := p.CloseVehicle(context.Background(), "wang")
	if err != nil {
		t.Fatal(err)
	}
	rec := led.entries[len(led.entries)-1]
	if !closed.Closed || rec.Record.Vehicle.Decision != wire.Allow || rec.Guard != "wang" || rec.Vehicle.Session != v.Session {
		t.Fatalf("record %+v by %q", rec.Record.Vehicle, rec.Guard)
	}
	if _, err := p.CloseVehicle(context.Background(), "wang"); !errors.Is(err, ErrNoVehicle) {
		t.Fatalf("closing twice: %v", err)
	}
}

func TestAPassengerWhoDoesNotPassKeepsTheVehicleOut(t *testing.T) {
	p, led := closedLane(t, normalForehead)
	openVehicle(t, p, "粤B12345")
	if e := screenCode(t, p, "OWNER"); e.Vehicle.Kind != wire.VehicleResident || e.Vehicle.Role != wire.VehicleDriver {
		t.Fatalf("owner with a pass bound to the plate: %+v", e.Vehicle)
	}
	if e := screenCode(t, p, "GREEN"); e.Decision != wire.PersuadeReturn || e.Vehicle.Role != wire.VehiclePassenger {
		t.Fatalf("outsider passenger: %s %+v", e.Decision, e.Vehicle)
	}
	if _, err := p.CloseVehicle(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	rec := led.entries[len(led.entries)-1]
	if rec.Record.Vehicle.Decision != wire.PersuadeReturn || rec.Record.Vehicle.Occupants != 2 {
		t.Fatalf("vehicle with a refused passenger: %+v", rec.Record.Vehicle)
	}
}

func TestTheNextPlateEndsTheVehicleBeforeItAndTheSamePlateContinues(t *testing.T) {
	p, led := closedLane(t, normalForehead)
	first := openVehicle(t, p, "粤B54321")
	screenCode(t, p, "SUPPLY")
	if again := openVehicle(t, p, "粤B 54321"); again.Session != first.Session {
		t.Fatal("the camera reading the same car again started a new vehicle")
	}
	second := openVehicle(t, p, "京A12345")
	if second.Session == first.Session || len(led.entries) != 2 || led.entries[1].Record.Vehicle.Decision != wire.Allow {
		t.Fatalf("the first vehicle was not ended by the next plate: %d entries", len(led.entries))
	}
}

func TestAPlateThatIsNotChineseIsRefusedWithTheRule(t *testing.T) {
	p, led := closedLane(t, normalForehead)
	for _, bad := range []string{"", "ABC123", "粤B1234", strings.Repeat("粤", 1000)} {
		_, err := p.OpenVehicle(context.Background(), bad, "", wire.PlateByGuard, "")
		if !errors.Is(err, ErrBadPlate) || !strings.Contains(err.Error(), "province") && !strings.Contains(err.Error(), "characters") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if p.Vehicle() != nil || len(led.entries) != 0 {
		t.Fatal("a refused plate opened a vehicle")
	}
}

func TestAVehicleNobodyWasScreenedInIsKeptOut(t *testing.T) {
	p, led := closedLane(t, normalForehead)
	openVehicle(t, p, "粤B54321")
	if _, err := p.CloseVehicle(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if d := led.entries[0].Record.Vehicle.Decision; d != wire.PersuadeReturn {
		t.Fatalf("an unknown vehicle with no one screened: %s", d)
	}
}

func TestAnOutsideVehicleLeavingIsLoggedNotTurnedBack(t *testing.T) {
	p, led := closedLane(t, normalForehead)
	p.opts.Lane = wire.LaneOut
	openVehicle(t, p, "沪A12345")
	if e := screenCode(t, p, "GREEN"); e.Decision != wire.Allow || e.Vehicle == nil {
		t.Fatalf("driver leaving: %s %+v", e.Decision, e.Vehicle)
	}
	if v := p.Vehicle(); v.Closed {
		t.Fatal("a vehicle leaving was closed as turned back")
	}
	if _, err := p.CloseVehicle(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	rec := led.entries[len(led.entries)-1]
	if rec.Record.Vehicle.Decision != wire.Allow || rec.Lane != wire.LaneOut || !hasReason(rec.Reasons, policy.ReasonExit.Code) {
		t.Fatalf("vehicle leaving: %+v %v", rec.Record.Vehicle, rec.Reasons)
	}
}
