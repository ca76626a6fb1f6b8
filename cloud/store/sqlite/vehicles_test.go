package sqlite

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

// TestADatabaseFromBeforeVehicleLanesTakesVehicles: a store an earlier
// build left, without the vehicles' index, migrates on open, keeps what
// it held, and finds vehicles through the partial index (a predicate that
// drifted from the index's would scan the whole table).
func TestADatabaseFromBeforeVehicleLanesTakesVehicles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	before := slices.Index(migrations, migrateVehicles)
	if before < 0 {
		t.Fatal("migrateVehicles is not in the migrations")
	}
	old := openAtVersion(t, path, before)
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.PutEntries(ctx, []wire.Entry{
		storetest.Occupant("garden", "lane", 1, "s1", "粤B54321", wire.VehicleDriver, wire.VehicleSupply, wire.Allow),
		storetest.VehicleRecord("garden", "lane", 2, "s1", "粤B54321", wire.VehicleSupply, wire.Allow, 1),
	}, storetest.Received); err != nil {
		t.Fatal(err)
	}
	vs, err := store.Vehicles(ctx, s, store.VehicleQuery{Site: "garden", Since: storetest.T0})
	if err != nil || len(vs) != 1 || vs[0].Decision != wire.Allow || len(vs[0].Occupants) != 1 {
		t.Fatalf("vehicles after the migration: %+v %v", vs, err)
	}
	for _, site := range []string{"garden", ""} {
		q := `SELECT id FROM entries WHERE ts >= ? AND ` + vehicleRows
		args := []any{storetest.T0.UnixNano()}
		if site != "" {
			q, args = q+` AND site = ?`, append(args, site)
		}
		if plan := strings.Join(queryPlan(t, s, q, args...), "; "); !strings.Contains(plan, "entries_vehicles") {
			t.Errorf("site %q: the vehicles' query does not use their index: %s", site, plan)
		}
	}
}
