package api

import (
	"context"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func gatewayStatus(site string, inside, capacity int, at time.Time) wire.Status {
	return wire.Status{Schema: wire.SchemaVersion, Site: site, Unit: "gw", Role: wire.RoleGateway, State: wire.Online,
		Time: at, Occupancy: &wire.SiteOccupancy{Inside: inside, Capacity: capacity, Waiting: 2, AsOf: at,
			LastCorrection: &wire.OccupancyCorrection{Count: 200, Previous: 180, Reason: "午间清点", By: "wang",
				ByName: "王经理", At: at.Add(-time.Hour)}}}
}

// TestOccupancyIsTheGatewaysWhereOneReportsAndAnEstimateElsewhere: the
// market's in − out says 4, its gateway says 215 of 200 with two doors
// waiting; the API shows the gateway's figure with its source, and the
// community without a gateway keeps in − out marked as an estimate.
func TestOccupancyIsTheGatewaysWhereOneReportsAndAnEstimateElsewhere(t *testing.T) {
	f := newFixture(t)
	for i := uint64(1); i <= 4; i++ {
		f.put(t, entry("market", "door-in", i, now.Add(-time.Hour)), entry("estate", "gate-1", i, now.Add(-time.Hour)))
	}
	if err := f.store.PutStatus(context.Background(), gatewayStatus("market", 215, 200, now.Add(-10*time.Second)), now.Add(-10*time.Second)); err != nil {
		t.Fatal(err)
	}
	var occ struct{ Sites []occupancyJSON }
	f.get(t, "/api/v1/occupancy", &occ)
	got := map[string]occupancyJSON{}
	for _, o := range occ.Sites {
		got[o.Site] = o
	}
	m := got["market"]
	if m.Source != "gateway" || m.Estimate || m.Inside != 215 || m.Capacity != 200 || !m.Full || m.Waiting != 2 ||
		m.In != 4 || m.Stale || m.AgeSeconds != 10 || m.LastCorrection == nil || m.LastCorrection.ByName != "王经理" {
		t.Fatalf("market: %+v, want the gateway's 215 / 200, current, corrected by 王经理", m)
	}
	if e := got["estate"]; e.Source != "estimate" || !e.Estimate || e.Inside != 4 || e.Capacity != 0 || e.Stale {
		t.Fatalf("estate: %+v, want in − out 4 marked as an estimate", e)
	}
}

// TestAGatewayFigureNotHeardFromIsStaleWithItsAge: past StaleAfter, or
// once the gateway's will says it is offline, the figure is marked stale
// and keeps its age, not shown as current.
func TestAGatewayFigureNotHeardFromIsStaleWithItsAge(t *testing.T) {
	f := newFixture(t)
	heard := now.Add(-StaleAfter - time.Minute)
	if err := f.store.PutStatus(context.Background(), gatewayStatus("market", 30, 200, heard), heard); err != nil {
		t.Fatal(err)
	}
	var occ struct{ Sites []occupancyJSON }
	f.get(t, "/api/v1/occupancy", &occ)
	if o := occ.Sites[0]; !o.Stale || o.AgeSeconds != int64((StaleAfter+time.Minute)/time.Second) || o.Inside != 30 {
		t.Fatalf("silent gateway: %+v, want stale with its age", o)
	}
	fresh := gatewayStatus("market", 31, 200, now.Add(-time.Second))
	f.store.PutStatus(context.Background(), fresh, now.Add(-time.Second))
	occ.Sites = nil
	f.get(t, "/api/v1/occupancy", &occ)
	if o := occ.Sites[0]; o.Stale || o.Inside != 31 {
		t.Fatalf("heard a second ago: %+v, want current", o)
	}
	will := fresh
	will.State = wire.Offline
	f.store.PutStatus(context.Background(), will, now)
	occ.Sites = nil
	f.get(t, "/api/v1/occupancy", &occ)
	if o := occ.Sites[0]; !o.Stale || o.Inside != 31 {
		t.Fatalf("gateway offline: %+v, want stale", o)
	}
}

// TestCentreListsAGatewaysCorrectionsWithWhoMadeThem: a correction that
// arrived as a record is listed for its site with the manager.
func TestCentreListsAGatewaysCorrectionsWithWhoMadeThem(t *testing.T) {
	f := newFixture(t)
	e := entry("market", "gw", 1, now.Add(-time.Hour))
	e.Decision, e.Reasons, e.Temperature, e.Guard = "", nil, nil, "wang"
	e.Credential = wire.Credential{Kind: wire.CredentialNone}
	e.Record = &wire.Record{Kind: wire.RecordOccupancy, GuardName: "王经理",
		Occupancy: &wire.OccupancyCorrection{Count: 0, Previous: 12, Reason: "闭店清点", At: now.Add(-time.Hour)}}
	f.put(t, e)
	var out struct {
		Corrections []correctionJSON
	}
	f.get(t, "/api/v1/occupancy/corrections?site=market", &out)
	if len(out.Corrections) != 1 || out.Corrections[0].By != "wang" || out.Corrections[0].ByName != "王经理" ||
		out.Corrections[0].Prev != 12 || out.Corrections[0].Gateway != "gw" {
		t.Fatalf("corrections %+v", out.Corrections)
	}
	var bad map[string]string
	if code := f.get(t, "/api/v1/occupancy/corrections", &bad); code != 400 {
		t.Fatalf("no site: %d, want 400", code)
	}
}
