package screening

import (
	"context"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// TestRegisteredVisitorIsMatchedAgainstTheRosterByHashAndDestination: the
// guard registers visitors the scan could not place; one whose ID hash is
// on the roster (health monitoring, the entry says deny) is denied with the
// alert and the entry names the roster entry; one going to a quarantined
// household is persuaded to return with the Chinese reason; anyone else
// registers in as before. The default policy (community-normal) decides.
func TestRegisteredVisitorIsMatchedAgainstTheRosterByHashAndDestination(t *testing.T) {
	idHash := wire.PersonHash([]byte("k"), "id", "110105194912310011")
	start := time.Unix(0, 0)
	r := credential.NewRoster(3, []wire.WatchEntry{
		{ID: "m-1", IDHash: idHash, Kind: wire.WatchHealthMonitoring, Start: start, Plan: "14", Outcome: wire.Deny},
		{ID: "h-1", Household: "3-2-501", Kind: wire.WatchHomeQuarantine, Start: start, Plan: "14+14"},
	})
	var decided []wire.Entry
	opts := options(&decided)
	opts.Roster = func() *credential.Roster { return r }
	p, _ := New(fixedThermo{t: policy.Celsius(36.1)}, sim.Must(nil), &memLedger{}, opts)
	cases := []struct {
		name    string
		v       wire.Visitor
		outcome wire.Decision
		alert   string
		entry   string
		reason  string
	}{
		{"monitored ID", wire.Visitor{Name: "王五", IDHash: idHash, Destination: "5-1-101"}, wire.Deny, policy.AlertWatchMonitoring, "m-1", ""},
		{"to a quarantined household", wire.Visitor{Name: "赵六", Destination: "3号楼2单元501室"}, wire.PersuadeReturn,
			policy.AlertWatchVisitor, "h-1", "该户正在居家隔离，谢绝来访，已报告"},
		{"anyone else", wire.Visitor{Name: "钱七", Destination: "5-1-101"}, wire.Allow, "", "", ""},
	}
	for _, c := range cases {
		first, _ := p.Screen(context.Background(), nil)
		e, err := p.Amend(context.Background(), first.ID, Amend{Visitor: &c.v})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if e.Watch != nil {
			got = e.Watch.Entry
		}
		if e.Decision != c.outcome || e.Alert != c.alert || got != c.entry || e.Validate() != nil {
			t.Errorf("%s: %s alert %q watch %q, want %s %q %q", c.name, e.Decision, e.Alert, got, c.outcome, c.alert, c.entry)
		}
		if c.reason != "" && e.Reasons[len(e.Reasons)-1].ZH != c.reason {
			t.Errorf("%s: the guard reads %+v", c.name, e.Reasons)
		}
	}
}
