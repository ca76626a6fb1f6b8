package storetest

import (
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// behaveUnitNames: a unit's status names its site and itself (阳光花园小区,
// 北门); the fleet lists the names, a will composed without them keeps
// them, a later status renames, and a unit that never said a name has
// none, so the dashboard falls back to its id.
func behaveUnitNames(t *testing.T, c conf) {
	st := Status("north", wire.Online)
	st.SiteName, st.UnitName = "阳光花园小区", "北门"
	c.status(st, Received)
	will := Status("north", wire.Offline) // composed before the unit knew its names
	c.status(will, Received.Add(time.Minute))
	c.status(Status("south", wire.Online), Received)
	got := c.units(T0)
	if n := got["north"]; n.SiteName != "阳光花园小区" || n.Name != "北门" || n.Online {
		t.Fatalf("north after its will: %+v; want its names kept", n)
	}
	if s := got["south"]; s.SiteName != "" || s.Name != "" {
		t.Fatalf("a unit that never said a name: %+v", s)
	}
	st.UnitName = "北门（东侧）"
	c.status(st, Received.Add(2*time.Minute))
	if n := c.units(T0)["north"]; n.Name != "北门（东侧）" || n.SiteName != "阳光花园小区" {
		t.Fatalf("north renamed: %+v", n)
	}
}
