package api

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

// vehicleAt is a vehicle of session at unit: its driver and its record,
// made at now minus ago.
func vehicleAt(site, unit string, seq uint64, session, plate string, kind wire.VehicleKind, d wire.Decision, ago time.Duration) []wire.Entry {
	driver := storetest.Occupant(site, unit, seq, session, plate, wire.VehicleDriver, kind, d)
	rec := storetest.VehicleRecord(site, unit, seq+1, session, plate, kind, d, 1)
	driver.Time, rec.Time = now.Add(-ago), now.Add(-ago+time.Second)
	return []wire.Entry{driver, rec}
}

func putVehicles(t *testing.T, st interface {
	PutEntries(context.Context, []wire.Entry, time.Time) (store.PutResult, error)
}) {
	t.Helper()
	var es []wire.Entry
	es = append(es, vehicleAt("site-a", "gate-1", 101, "s1", "粤B54321", wire.VehicleSupply, wire.Allow, time.Hour)...)
	es = append(es, vehicleAt("site-a", "gate-2", 101, "s2", "沪A12345", wire.VehicleOutside, wire.PersuadeReturn, 2*time.Hour)...)
	es = append(es, vehicleAt("site-b", "door-1", 101, "s3", "苏E12345", wire.VehicleOutside, wire.PersuadeReturn, time.Hour)...)
	es = append(es, vehicleAt("site-a", "gate-1", 103, "s0", "粤B11111", wire.VehicleResident, wire.Allow, 48*time.Hour)...) // the day before yesterday
	res, err := st.PutEntries(context.Background(), es, now)
	if err != nil || res.Inserted != len(es) {
		t.Fatalf("put %d vehicle entries: %+v %v", len(es), res, err)
	}
}

type vehiclesAnswer struct {
	Count    int             `json:"count"`
	Vehicles []store.Vehicle `json:"vehicles"`
}

func (f *regionFixture) vehicles(t *testing.T, user, query string) vehiclesAnswer {
	t.Helper()
	code, body := f.raw(t, user, "GET", "/api/v1/vehicles"+query, "")
	if code != 200 {
		t.Fatalf("%s GET vehicles%s: %d %s", user, query, code, body)
	}
	var a vehiclesAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func plates(a vehiclesAnswer) string {
	var p []string
	for _, v := range a.Vehicles {
		p = append(p, v.Plate+"/"+string(v.Decision))
	}
	return strings.Join(p, " ")
}

func TestVehiclesAreListedWithinTheCallersScope(t *testing.T) {
	f := newRegionFixture(t)
	putVehicles(t, f.store)
	for _, tt := range []struct{ user, query, want string }{
		{"monitor", "", "沪A12345/persuade_return 粤B54321/allow 苏E12345/persuade_return"},
		{"district", "", "沪A12345/persuade_return 粤B54321/allow"},
		{"manager", "", "沪A12345/persuade_return 粤B54321/allow"},
		{"guard", "", "粤B54321/allow"},
		{"monitor", "?site=site-b", "苏E12345/persuade_return"},
		{"monitor", "?plate=" + url.QueryEscape("粤b·54321"), "粤B54321/allow"},
		{"monitor", "?site=site-a&unit=gate-2", "沪A12345/persuade_return"},
		{"monitor", "?limit=1", "沪A12345/persuade_return"},
		{"monitor", "?from=" + url.QueryEscape(now.Add(-72*time.Hour).Format(time.RFC3339)) + "&to=" + url.QueryEscape(now.Add(-24*time.Hour).Format(time.RFC3339)),
			"粤B11111/allow"},
	} {
		if got := plates(f.vehicles(t, tt.user, tt.query)); got != tt.want {
			t.Errorf("%s GET vehicles%s: %q, want %q", tt.user, tt.query, got, tt.want)
		}
	}
	a := f.vehicles(t, "monitor", "?site=site-a&unit=gate-1")
	if v := a.Vehicles[0]; v.Kind != wire.VehicleSupply || len(v.Occupants) != 1 || v.Occupants[0].Role != wire.VehicleDriver || v.Guard != "wang" {
		t.Fatalf("vehicle %+v", v)
	}
}

func TestVehiclesRefusesWhatItCannotAnswer(t *testing.T) {
	f := newRegionFixture(t)
	for user, query := range map[string]string{
		"monitor":  "?plate=ABC",
		"guard":    "?unit=gate-2",
		"manager":  "?site=site-b",
		"district": "?site=site-b",
		"tracer":   "?limit=100000",
	} {
		if code, body := f.raw(t, user, "GET", "/api/v1/vehicles"+query, ""); code != 400 && code != 403 {
			t.Errorf("%s GET vehicles%s: %d %.200s", user, query, code, body)
		}
	}
	for _, query := range []string{"?from=9999-12-31T00:00:00Z", "?to=" + url.QueryEscape(now.Add(-48*time.Hour).Format(time.RFC3339)),
		"?from=yesterday", "?since=" + url.QueryEscape(now.Format(time.RFC3339))} {
		if code, body := f.raw(t, "monitor", "GET", "/api/v1/vehicles"+query, ""); code != 400 {
			t.Errorf("GET vehicles%s: %d %.200s, want 400", query, code, body)
		}
	}
}
