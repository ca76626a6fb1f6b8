package api

import (
	"context"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// TestUnitsNameTheirSiteAndUnit: a unit whose status names it (阳光花园小区,
// 北门) is listed with both names; the config's [[sites]] name wins over
// what a unit says its site is called, so one site has one name whatever
// its units were set up with.
func TestUnitsNameTheirSiteAndUnit(t *testing.T) {
	f := newFixture(t)
	for _, st := range []wire.Status{
		{Schema: wire.SchemaVersion, Site: "sunny", Unit: "north", State: wire.Online, SiteName: "阳光花园", UnitName: "北门"},
		{Schema: wire.SchemaVersion, Site: "mart", Unit: "door", State: wire.Online, SiteName: "超市", UnitName: "正门"},
	} {
		if err := f.store.PutStatus(context.Background(), st, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.PutSites(context.Background(), []store.Site{{ID: "mart", Name: "万家福超市", Facility: "supermarket"}}); err != nil {
		t.Fatal(err)
	}
	var body struct{ Units []unitJSON }
	if code := f.get(t, "/api/v1/units", &body); code != 200 || len(body.Units) != 2 {
		t.Fatalf("GET units: %d %+v", code, body)
	}
	got := map[string][2]string{}
	for _, u := range body.Units {
		got[u.ID] = [2]string{u.SiteName, u.Name}
	}
	if got["north"] != [2]string{"阳光花园", "北门"} || got["door"] != [2]string{"万家福超市", "正门"} {
		t.Fatalf("names %v; want the unit's own, the config's site name first", got)
	}
}

// TestSessionTellsTheDashboardTheCollectorsZone: the dashboard formats
// every time in the zone the collector is configured with, by the name a
// browser's Intl takes; a fixed-offset zone is said as Etc/GMT-8.
func TestSessionTellsTheDashboardTheCollectorsZone(t *testing.T) {
	f := newFixture(t)
	var me map[string]string
	if code := f.get(t, "/api/v1/session", &me); code != 200 || me["timezone"] != "Etc/GMT-8" {
		t.Fatalf("session: %d %v; want the fixture's +08:00 as Etc/GMT-8", code, me)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	for _, tt := range []struct {
		loc  *time.Location
		want string
	}{
		{shanghai, "Asia/Shanghai"},
		{time.UTC, "UTC"},
		{time.FixedZone("", -5*3600), "Etc/GMT+5"},
		{time.FixedZone("IST", 5*3600+1800), "UTC"},
	} {
		if got := zoneName(tt.loc, now); got != tt.want {
			t.Errorf("zoneName(%v) = %q, want %q", tt.loc, got, tt.want)
		}
	}
}
