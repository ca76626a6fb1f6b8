package unit

import (
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func TestAVehicleLaneConfigNamesEveryProblemWithItsKey(t *testing.T) {
	path := writeConfig(t, "lane_kind = \"lorry\"\n"+minimal+`
[anpr]
driver = "usb"
baud = 7
min_confidence = 120
token = "short"
`)
	_, err := LoadConfig(path)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"toml: lane_kind: \"lorry\"", "anpr.driver:", "anpr.baud:", "anpr: min confidence", "anpr.token:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestACameraNeedsAVehicleLaneAndAPort(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, minimal+`
[anpr]
driver = "serial"
token = "0123456789abcdef0123"
`))
	for _, want := range []string{`anpr.driver: a camera needs lane_kind = "vehicle"`, "anpr.port: required", "anpr.token: a camera's token needs"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestAVehicleLaneDefaultsToNoCamera(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, "lane_kind = \"vehicle\"\n"+minimal))
	if err != nil {
		t.Fatal(err)
	}
	if c.ANPR.Driver != "off" || c.ANPR.Token != "" || c.ANPR.MinConfidence != 60 || c.ANPR.DedupWindow.Duration != 10*time.Second {
		t.Fatalf("camera defaults: %+v", c.ANPR)
	}
}

func TestAtAVehicleLaneOnlyTheVehicleLetThroughOpensTheBarrier(t *testing.T) {
	vehicleLane := &Unit{cfg: Config{LaneKind: LaneVehicle}}
	footLane := &Unit{cfg: Config{}}
	block := &wire.Vehicle{Plate: "粤B12345", Role: wire.VehicleDriver, Kind: wire.VehicleSupply, Session: "s1"}
	occupant := wire.Entry{Decision: wire.Allow, Vehicle: block}
	refused := wire.Entry{Decision: wire.PersuadeReturn, Vehicle: block}
	record := func(d wire.Decision) wire.Entry {
		return wire.Entry{Vehicle: block, Record: &wire.Record{Kind: wire.RecordVehicle, Vehicle: &wire.VehicleOutcome{Decision: d}}}
	}
	for _, c := range []struct {
		name string
		u    *Unit
		e    wire.Entry
		want wire.Decision
	}{
		{"an occupant let in waits for the vehicle", vehicleLane, occupant, wire.Wait},
		{"an occupant turned back shows it", vehicleLane, refused, wire.PersuadeReturn},
		{"the vehicle let through opens the barrier", vehicleLane, record(wire.Allow), wire.Allow},
		{"the vehicle turned back keeps it shut", vehicleLane, record(wire.PersuadeReturn), wire.PersuadeReturn},
		{"a person on foot at a vehicle lane", vehicleLane, wire.Entry{Decision: wire.Allow}, wire.Allow},
		{"a lane for people is as it was", footLane, occupant, wire.Allow},
	} {
		if got := c.u.atBarrier(c.e).Decision; got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if occupant.Decision != wire.Allow {
		t.Fatal("atBarrier changed the entry it was given")
	}
}
