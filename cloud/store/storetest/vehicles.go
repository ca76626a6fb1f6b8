package storetest

import (
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Occupant is entry seq of unit at site: a person in the vehicle of
// session with plate, in role, the vehicle of kind, decided d.
func Occupant(site, unit string, seq uint64, session, plate string, role wire.VehicleRole, kind wire.VehicleKind, d wire.Decision) wire.Entry {
	e := Entry(site, unit, seq)
	e.Decision = d
	e.Vehicle = &wire.Vehicle{Plate: plate, Colour: "blue", Role: role, Kind: kind, Session: session, Source: wire.PlateByANPR}
	return e
}

// VehicleRecord is entry seq of unit at site: the vehicle of session's
// outcome d with n occupants, logged by guard wang.
func VehicleRecord(site, unit string, seq uint64, session, plate string, kind wire.VehicleKind, d wire.Decision, n int) wire.Entry {
	e := Entry(site, unit, seq)
	e.Decision, e.Temperature, e.Guard = "", nil, "wang"
	e.Credential = wire.Credential{Kind: wire.CredentialNone}
	e.Reasons = []wire.Reason{{Code: "vehicle_" + string(kind), ZH: "车辆", EN: "vehicle"}}
	e.Record = &wire.Record{Kind: wire.RecordVehicle, Vehicle: &wire.VehicleOutcome{Decision: d, Occupants: n}}
	e.Vehicle = &wire.Vehicle{Plate: plate, Role: wire.VehicleItself, Kind: kind, Session: session, Source: wire.PlateByANPR}
	return e
}

// Vehicles holds a backend to keeping the vehicle lanes' entries: read
// back whole, found by site and window, never counted as people, counted
// by outcome, and re-sent without a conflict.
func Vehicles(t *testing.T, open func(*testing.T) Store) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, conf)
	}{
		{"vehicles are found by site and window with their occupants", behaveVehiclesFound},
		{"a vehicle's record is no person and counts by its outcome", behaveVehicleRecordsCount},
		{"a re-sent vehicle entry is no conflict", behaveVehicleResent},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, conf{t, open(t)})
		})
	}
}

// vehicleDay puts a supply vehicle admitted and an outside vehicle turned
// back at site-a, and a vehicle at site-b.
func vehicleDay(c conf) {
	c.put(Received,
		Occupant("site-a", "lane", 1, "s1", "粤B54321", wire.VehicleDriver, wire.VehicleSupply, wire.Allow),
		VehicleRecord("site-a", "lane", 2, "s1", "粤B54321", wire.VehicleSupply, wire.Allow, 1),
		Occupant("site-a", "lane", 3, "s2", "沪A12345", wire.VehicleDriver, wire.VehicleOutside, wire.PersuadeReturn),
		Occupant("site-a", "lane", 4, "s2", "沪A12345", wire.VehiclePassenger, wire.VehicleOutside, wire.PersuadeReturn),
		VehicleRecord("site-a", "lane", 5, "s2", "沪A12345", wire.VehicleOutside, wire.PersuadeReturn, 2),
		Entry("site-a", "gate", 1),
		exitRecord(VehicleRecord("site-a", "lane-out", 6, "s9", "粤B54321", wire.VehicleSupply, wire.Allow, 1)),
		Occupant("site-b", "lane-b", 1, "s1", "京A12345", wire.VehicleDriver, wire.VehicleResident, wire.Allow))
}

// exitRecord is e at an exit lane: a vehicle leaving.
func exitRecord(e wire.Entry) wire.Entry {
	e.Lane = wire.LaneOut
	return e
}

func vehiclesOf(c conf, q store.VehicleQuery) []store.Vehicle {
	c.t.Helper()
	vs, err := store.Vehicles(ctx, c.s, q)
	if err != nil {
		c.t.Fatal(err)
	}
	return vs
}

func behaveVehiclesFound(t *testing.T, c conf) {
	vehicleDay(c)
	vs := vehiclesOf(c, store.VehicleQuery{Site: "site-a", Since: T0})
	if len(vs) != 3 || vs[2].Session != "s9" || vs[2].Unit != "lane-out" {
		t.Fatalf("site-a's vehicles: %+v", vs)
	}
	s1, s2 := vs[0], vs[1]
	if s1.Plate != "粤B54321" || s1.Decision != wire.Allow || s1.Kind != wire.VehicleSupply || len(s1.Occupants) != 1 ||
		s1.Occupants[0].Role != wire.VehicleDriver || s1.Guard != "wang" || s1.EntryID != "lane-2" || s1.Unit != "lane" {
		t.Fatalf("supply vehicle read back as %+v", s1)
	}
	if s2.Decision != wire.PersuadeReturn || len(s2.Occupants) != 2 || s2.Occupants[1].Role != wire.VehiclePassenger ||
		s2.Occupants[1].Decision != wire.PersuadeReturn || s2.Occupants[0].CorrectedC == nil {
		t.Fatalf("outside vehicle read back as %+v", s2)
	}
	if all := vehiclesOf(c, store.VehicleQuery{Since: T0}); len(all) != 4 {
		t.Fatalf("every site's vehicles: %d, want 4", len(all))
	}
	// [T0+2m30s, T0+4m30s): only the outside vehicle's two occupants, its
	// record not yet: the vehicle is shown undecided.
	in := vehiclesOf(c, store.VehicleQuery{Site: "site-a", Since: T0.Add(150 * time.Second), Until: T0.Add(270 * time.Second)})
	if len(in) != 1 || in[0].Session != "s2" || in[0].Decision != "" || len(in[0].Occupants) != 2 {
		t.Fatalf("window: %+v", in)
	}
	if one := vehiclesOf(c, store.VehicleQuery{Site: "site-a", Since: T0, Limit: 1}); len(one) != 1 || one[0].Session != "s1" {
		t.Fatalf("limit 1: %+v", one)
	}
	if none := vehiclesOf(c, store.VehicleQuery{Site: "site-c", Since: T0}); len(none) != 0 {
		t.Fatalf("another site's vehicles: %+v", none)
	}
	recs, _ := c.s.VehicleEntries(ctx, store.VehicleQuery{Site: "site-a", Since: T0})
	if len(recs) != 6 || recs[1].Record == nil || recs[1].Vehicle == nil || recs[1].Vehicle.Role != wire.VehicleItself {
		t.Fatalf("vehicle entries read back: %d, %+v", len(recs), recs)
	}
}

func behaveVehicleRecordsCount(t *testing.T, c conf) {
	vehicleDay(c)
	if ids := c.ids(store.Query{Site: "site-a"}); len(ids) != 4 {
		t.Fatalf("the people feed lists %v; want the three occupants and the person on foot", ids)
	}
	if ids := c.ids(store.Query{Site: "site-a", Records: true}); len(ids) != 3 {
		t.Fatalf("the records feed lists %v; want the three vehicles", ids)
	}
	rows := c.rollups(store.RollupQuery{Site: "site-a", By: "site", Since: T0.Add(-time.Hour), Until: T0.Add(time.Hour), Whole: true})
	if len(rows) != 1 {
		t.Fatalf("rollups %+v", rows)
	}
	got := rows[0].Counts
	if got["total"] != 4 || got["in"] != 2 || got["vehicle:allow"] != 1 || got["vehicle:persuade_return"] != 1 ||
		got["decision:persuade_return"] != 2 || got["vehicle:exit"] != 1 {
		t.Fatalf("rollups %v: want 4 people (2 in), 2 persuaded, a vehicle admitted, one turned back and one leaving", got)
	}
}

func behaveVehicleResent(t *testing.T, c conf) {
	vehicleDay(c)
	res := c.put(Received.Add(time.Hour),
		Occupant("site-a", "lane", 1, "s1", "粤B54321", wire.VehicleDriver, wire.VehicleSupply, wire.Allow),
		VehicleRecord("site-a", "lane", 2, "s1", "粤B54321", wire.VehicleSupply, wire.Allow, 1))
	if res.Inserted != 0 || len(res.Conflicts) != 0 {
		t.Fatalf("a re-send inserted %d, conflicts %+v", res.Inserted, res.Conflicts)
	}
	forged := VehicleRecord("site-a", "lane", 2, "s1", "粤B54321", wire.VehicleSupply, wire.PersuadeReturn, 1)
	if res := c.put(Received.Add(time.Hour), forged); len(res.Conflicts) != 1 {
		t.Fatalf("a record re-sent with another outcome was not set aside: %+v", res)
	}
}
