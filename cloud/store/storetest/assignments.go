package storetest

import (
	"reflect"
	"testing"

	"github.com/kakou/kakou/cloud/store"
)

// behaveAssignmentLevels: choices for a region and for a facility type in
// a region ("wujin/supermarket") or everywhere ("supermarket") are kept
// beside the site and unit choices, each replaced only by a choice for
// the same scope and target, listed by scope then target (byte order, so
// both backends agree).
func behaveAssignmentLevels(t *testing.T, c conf) {
	assign := func(scope, target, profile string) store.Assignment {
		a := store.Assignment{Scope: scope, Target: target, Profile: profile, Version: profile + "-1",
			Document: "version = \"" + profile + "-1\"", AssignedBy: "武进区指挥部", AssignedAt: Received}
		if err := c.s.PutAssignment(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	region := assign("region", "wujin", "class-b")
	assign("facility", "wujin/supermarket", "class-b")
	inRegion := assign("facility", "wujin/supermarket", "supermarket-normal") // replaces the one before
	everywhere := assign("facility", "supermarket", "supermarket-normal")
	deeper := assign("region", "wujin-hutang", "community-closed")
	site := assign("site", "wujin", "community-normal") // a site may share a region's id in another scope
	got, err := c.s.Assignments(ctx)
	want := []store.Assignment{everywhere, inRegion, region, deeper, site}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Assignments = %+v, %v\nwant %+v", got, err, want)
	}
}
