package bridge

import (
	"bytes"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// A staff roster goes down to the LAN like a guard roster: retained, on
// its unit's topic, and one on another unit's topic is not relayed.
func TestBridgeRelaysStaffRostersRetainedToTheLAN(t *testing.T) {
	r := newRig(t, time.Minute, false)
	roster := mustJSON(t, wire.StaffRoster{Schema: wire.SchemaVersion, Site: testSite, Unit: "door-1", Version: 2,
		IssuedAt: time.Now().UTC(), IssuedBy: "教务处", Members: []wire.StaffMember{{ID: "P-1", Name: "李*", Group: wire.GroupPupil}}})
	publishRetained(t, r.cloud.url, wire.StaffTopic(testSite, "door-2"), roster) // addressed to door-1: dropped
	r.start()
	r.connected()
	publishRetained(t, r.cloud.url, wire.StaffTopic(testSite, "door-1"), roster)
	waitFor(t, "door-1's staff roster retained on the LAN", func() bool {
		got, ok := retained(t, r.lan.url, wire.StaffTopic(testSite, "door-1"))
		return ok && bytes.Equal(got, roster)
	})
	if _, ok := retained(t, r.lan.url, wire.StaffTopic(testSite, "door-2")); ok {
		t.Fatal("a staff roster on another unit's topic was relayed")
	}
}
