package storetest

import (
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// occupancyBehaviours hold both backends to how a gateway's count is kept.
var occupancyBehaviours = []struct {
	name string
	run  func(t *testing.T, c conf)
}{
	{"a gateway's latest count is kept per site, newest as_of wins", behaveOccupancyLatestWins},
}

func gatewayStatus(site string, inside int, asOf time.Time, state wire.UnitState) wire.Status {
	return wire.Status{Schema: wire.SchemaVersion, Site: site, Unit: "gw", Role: wire.RoleGateway, State: state,
		Time: asOf, Occupancy: &wire.SiteOccupancy{Inside: inside, Capacity: 200, Waiting: 1, AsOf: asOf,
			LastCorrection: &wire.OccupancyCorrection{Count: 5, Previous: 9, Reason: "开门清点", By: "wang", ByName: "王经理", At: asOf.Add(-time.Hour)}}}
}

// behaveOccupancyLatestWins: a live status sets the figure; an older one
// (a late or retained copy) does not roll it back; a unit's status and a
// gateway status without a count leave it alone; the will marks the
// gateway offline without moving when it was last heard.
func behaveOccupancyLatestWins(t *testing.T, c conf) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	c.status(gatewayStatus("market", 215, t0, wire.Online), t0.Add(time.Second))
	c.status(gatewayStatus("market", 3, t0.Add(-time.Minute), wire.Online), t0.Add(2*time.Second))
	unit := wire.Status{Schema: wire.SchemaVersion, Site: "market", Unit: "door-1", State: wire.Online, Time: t0}
	c.status(unit, t0.Add(3*time.Second))
	list, err := c.s.Occupancies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("occupancies %+v, want the market's only", list)
	}
	o := list[0]
	if o.Site != "market" || o.Gateway != "gw" || o.Inside != 215 || o.Capacity != 200 || o.Waiting != 1 ||
		!o.AsOf.Equal(t0) || !o.HeardAt.Equal(t0.Add(time.Second)) || o.GatewayState != wire.Online ||
		o.LastCorrection == nil || o.LastCorrection.ByName != "王经理" || o.LastCorrection.Count != 5 {
		t.Fatalf("kept %+v (correction %+v)", o, o.LastCorrection)
	}
	will := gatewayStatus("market", 215, t0, wire.Offline)
	c.status(will, t0.Add(time.Hour))
	list, _ = c.s.Occupancies(ctx)
	if o := list[0]; o.GatewayState != wire.Offline || !o.HeardAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("after the will: %+v, want offline and heard at %v", o, t0.Add(time.Second))
	}
	c.status(gatewayStatus("market", 180, t0.Add(time.Minute), wire.Online), time.Time{}) // retained copy
	list, _ = c.s.Occupancies(ctx)
	if o := list[0]; o.Inside != 180 || !o.HeardAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after a replayed newer figure: %+v", o)
	}
}
