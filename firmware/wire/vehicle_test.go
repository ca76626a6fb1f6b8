package wire

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// sampleVehicleEntry is a supply vehicle's driver, as a vehicle lane writes
// the entry.
func sampleVehicleEntry() Entry {
	e := sampleEntry()
	e.Vehicle = &Vehicle{Plate: "粤B12345", Colour: "blue", Role: VehicleDriver, Kind: VehicleSupply,
		Session: "veh-0193a0c4", Source: PlateByANPR}
	return e
}

// sampleVehicleRecord is the vehicle's own outcome: a record, no decision.
func sampleVehicleRecord() Entry {
	e := sampleEntry()
	e.Decision, e.Temperature = "", nil
	e.Credential = Credential{Kind: CredentialNone, Result: "none"}
	e.Record = &Record{Kind: RecordVehicle, Vehicle: &VehicleOutcome{Decision: PersuadeReturn, Occupants: 2}}
	e.Vehicle = &Vehicle{Plate: "沪A12345", Role: VehicleItself, Kind: VehicleOutside, Session: "veh-1"}
	return e
}

func TestVehicleEntriesRoundTrip(t *testing.T) {
	for _, want := range []Entry{sampleVehicleEntry(), sampleVehicleRecord()} {
		got, err := DecodeEntry(mustJSON(t, want))
		if err != nil {
			t.Fatal(err)
		}
		if !sameEntry(got, want) {
			t.Fatalf("round trip changed the entry:\n got %+v\nwant %+v", got, want)
		}
	}
	if r := sampleVehicleRecord(); !r.IsRecord() {
		t.Fatal("a vehicle's outcome is not a record, so it would count as a person")
	}
}

func TestValidatePlateAcceptsChinesePlates(t *testing.T) {
	for _, p := range []string{"京A12345", "粤B1234X", "沪AD12345", "苏E12345F", "京A1234学",
		"京A0001警", "沪A1234挂", "粤B1234领", "京A1234使", "粤Z1234港", "粤Z1234澳", "新A12345"} {
		if err := ValidatePlate(p); err != nil {
			t.Errorf("%s refused: %v", p, err)
		}
	}
}

func TestValidatePlateRefusesWithTheRule(t *testing.T) {
	for _, p := range []string{"", "A123456", "京12345", "京I12345", "京O12345", "京A1234",
		"京A123456", "京A12345学", "京A1234甲", "京A12#45", "京A12345678", "港A12345", "京AA12345"} {
		err := ValidatePlate(p)
		if err == nil {
			t.Errorf("%q accepted", p)
			continue
		}
		if !strings.Contains(err.Error(), "plate") {
			t.Errorf("%q: error %q does not name the plate", p, err)
		}
	}
}

func TestNormalisePlateDropsSeparatorsAndCase(t *testing.T) {
	for in, want := range map[string]string{"粤B·12345": "粤B12345", "粤b 12345": "粤B12345",
		"沪a-d1234 5": "沪AD12345", "京A1234学": "京A1234学"} {
		if got := NormalisePlate(in); got != want {
			t.Errorf("NormalisePlate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeEntryRefusesBadVehicles(t *testing.T) {
	cases := map[string]func(e *Entry){
		"bad plate":             func(e *Entry) { e.Vehicle.Plate = "ABC" },
		"unknown colour":        func(e *Entry) { e.Vehicle.Colour = "pink" },
		"record role on person": func(e *Entry) { e.Vehicle.Role = VehicleItself },
		"unknown kind":          func(e *Entry) { e.Vehicle.Kind = "tank" },
		"no session":            func(e *Entry) { e.Vehicle.Session = "" },
		"long session":          func(e *Entry) { e.Vehicle.Session = strings.Repeat("s", 65) },
		"unknown source":        func(e *Entry) { e.Vehicle.Source = "drone" },
		"vehicle on a duty":     func(e *Entry) { *e = sampleDutyEntry(); e.Vehicle = sampleVehicleEntry().Vehicle },
	}
	for name, mutate := range cases {
		e := sampleVehicleEntry()
		mutate(&e)
		if _, err := DecodeEntry(mustJSON(t, e)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	records := map[string]func(e *Entry){
		"no vehicle block":    func(e *Entry) { e.Vehicle = nil },
		"occupant role":       func(e *Entry) { e.Vehicle.Role = VehicleDriver },
		"a person's outcome":  func(e *Entry) { e.Record.Vehicle.Decision = Recheck },
		"no outcome":          func(e *Entry) { e.Record.Vehicle = nil },
		"outcome on a duty":   func(e *Entry) { e.Record.Kind = RecordDuty },
		"also a decision":     func(e *Entry) { e.Decision = Allow },
		"negative occupants":  func(e *Entry) { e.Record.Vehicle.Occupants = -1 },
		"a bus of occupants":  func(e *Entry) { e.Record.Vehicle.Occupants = 100 },
		"duty beside vehicle": func(e *Entry) { e.Record.Duty = sampleDutyEntry().Record.Duty },
	}
	for name, mutate := range records {
		e := sampleVehicleRecord()
		mutate(&e)
		if _, err := DecodeEntry(mustJSON(t, e)); err == nil {
			t.Errorf("record %s: accepted", name)
		}
	}
}

// FuzzValidatePlate holds the plate rules to their promises on any text
// a camera or a guard may send: an accepted plate is 7-8 characters of
// valid UTF-8 and already normal, and normalising is idempotent.
func FuzzValidatePlate(f *testing.F) {
	for _, s := range []string{"京A12345", "粤B·12345", "沪AD12345", "京A1234学", "京A1234", "\xff\xfe",
		"京a 1234 5", "京AI2345", strings.Repeat("京", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalisePlate(s)
		if NormalisePlate(n) != n {
			t.Fatalf("NormalisePlate not idempotent on %q", s)
		}
		if ValidatePlate(s) != nil {
			return
		}
		if !utf8.ValidString(s) || NormalisePlate(s) != s {
			t.Fatalf("accepted %q, which is not a normal plate", s)
		}
		if n := utf8.RuneCountInString(s); n < 7 || n > 8 {
			t.Fatalf("accepted %q of %d characters", s, n)
		}
	})
}
