package screening

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// householdPasses presents every code as a verified resident pass of
// household B3-1201 (a copied pass, when two lanes scan it).
type householdPasses struct{}

func (householdPasses) Check(_ context.Context, code []byte) credential.Presented {
	return credential.Presented{Wire: wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: string(code)},
		Status: credential.StatusValid, Role: credential.RoleResident, Household: "B3-1201"}
}

// clock is a settable clock for the lane.
type clock struct {
	now    time.Time
	synced bool
}

func (c *clock) Now() (time.Time, bool) { return c.now, c.synced }

// closedExit is a community-closed exit lane over the ledger at path.
func closedExit(t *testing.T, led *ledger.Ledger, unit string, c *clock) *Pipeline {
	t.Helper()
	pol, err := policy.Load(filepath.Join("..", "..", "configs", "policies", "community-closed.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var decided []wire.Entry
	o := options(&decided)
	o.Unit, o.Lane, o.Policy, o.Now = unit, wire.LaneOut, func() policy.Policy { return pol }, c.Now
	o.NewID = func() string { return fmt.Sprintf("hh-%d", ids.Add(1)) }
	o.Credentials, o.Households = householdPasses{}, led
	p, err := New(fixedThermo{t: policy.Celsius(36.1)}, blockedScanner{}, led, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var cst = time.FixedZone("CST", 8*3600)

func TestLoneExitCountsTheHouseholdAcrossAReboot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	c := &clock{now: time.Date(2026, 12, 7, 8, 15, 0, 0, cst), synced: true}
	led, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	e := screen(t, closedExit(t, led, "north-gate", c), "P-1")
	if e.Decision != wire.Allow || e.Household == nil || !e.Household.Counted || e.Household.Remaining != 0 {
		t.Fatalf("first use: %s %+v", e.Decision, e.Household)
	}
	led.Close()

	led = openLedger(t, path) // the reboot
	c.now = c.now.Add(3 * time.Hour)
	p := closedExit(t, led, "north-gate", c)
	e = screen(t, p, "P-2") // another member, the same household pass
	if e.Decision != wire.Deny || e.Household == nil || e.Household.Counted {
		t.Fatalf("second use after a reboot: %s %+v", e.Decision, e.Household)
	}
	if want := "下次可于 12-09 08:15 后外出"; !strings.Contains(e.Reasons[len(e.Reasons)-1].ZH, want) {
		t.Fatalf("refusal %v lacks %q", e.Reasons, want)
	}
	c.now = time.Date(2026, 12, 9, 8, 15, 0, 0, cst)
	if e = screen(t, p, "P-1"); e.Decision != wire.Allow || !e.Household.Counted {
		t.Fatalf("two days on: %s %+v", e.Decision, e.Household)
	}
}

// Behind a gateway, a lane counts the site's uses the gateway sends and
// its own above the gateway's watermark, also while cut off from it.
func TestLaneAddsItsOwnUsesAboveTheGatewaysWatermark(t *testing.T) {
	c := &clock{now: time.Date(2026, 12, 7, 8, 15, 0, 0, cst), synced: true}
	led := openLedger(t, filepath.Join(t.TempDir(), "ledger.db"))
	p := closedExit(t, led, "south-gate", c)
	// The gateway says another lane used the allowance an hour ago.
	at := c.now.Add(-time.Hour).UTC()
	if !p.SetHouseholds(wire.Households{Schema: 1, Site: "sunshine-garden", Unit: "south-gate", Seq: 1,
		Uses: []wire.HouseholdUsage{{ID: "B3-1201", Uses: []wire.HouseholdUse{{At: at, N: 1}}}}}) {
		t.Fatal("first households message not taken")
	}
	if e := screen(t, p, "P-1"); e.Decision != wire.Deny || !strings.Contains(e.Reasons[len(e.Reasons)-1].ZH, "12-09 07:15") {
		t.Fatalf("the other lane's use was not counted: %s %v", e.Decision, e.Reasons)
	}
	// The property office resets the household at the gateway.
	reset := c.now.UTC()
	p.SetHouseholds(wire.Households{Schema: 1, Site: "sunshine-garden", Unit: "south-gate", Seq: 2, AfterSeq: 1,
		Uses: []wire.HouseholdUsage{{ID: "B3-1201", Reset: &reset}}})
	c.now = c.now.Add(time.Minute)
	if e := screen(t, p, "P-1"); e.Decision != wire.Allow {
		t.Fatalf("after the reset: %s %v", e.Decision, e.Reasons)
	}
	// Cut off from the gateway, the lane's own use above the watermark counts.
	c.now = c.now.Add(time.Minute)
	if e := screen(t, p, "P-1"); e.Decision != wire.Deny {
		t.Fatalf("the lane's own use above the watermark was not counted: %s", e.Decision)
	}
	// An older message arriving late changes nothing.
	if p.SetHouseholds(wire.Households{Schema: 1, Site: "sunshine-garden", Unit: "south-gate", Seq: 1}) {
		t.Fatal("an older households message was taken")
	}
}
