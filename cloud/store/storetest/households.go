package storetest

import (
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// HouseholdExit is entry seq of exit lane unit at site: a household pass
// of hh let out (a use, if counted), at T0 plus seq minutes.
func HouseholdExit(site, unit string, seq uint64, hh string, counted bool) wire.Entry {
	e := Entry(site, unit, seq)
	e.Lane = wire.LaneOut
	e.Household = &wire.Household{ID: hh, Counted: counted, Allowance: 1, PeriodSeconds: 2 * 86400}
	if !counted {
		e.Decision = wire.Deny
	}
	return e
}

// HouseholdRecord is a manager's reset or adjustment of hh at the
// gateway, record seq of unit at T0 plus seq minutes.
func HouseholdRecord(site, unit string, seq uint64, hh, action string, delta int) wire.Entry {
	e := Entry(site, unit, seq)
	e.Decision, e.Reasons, e.Temperature, e.Guard = "", nil, nil, "m-01"
	e.Credential = wire.Credential{Kind: wire.CredentialNone}
	e.Record = &wire.Record{Kind: wire.RecordHousehold, GuardName: "物业张经理",
		Household: &wire.HouseholdChange{Household: hh, Action: action, Delta: delta, Reason: "物业核准"}}
	return e
}

// Households holds a backend to finding the household entries the
// centre counts by, and to raising an over-quota alert once.
func Households(t *testing.T, open func(*testing.T) Store) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, Store)
	}{
		{"the count heals when a lane's late uses land", behaveHouseholdHeals},
		{"a reset and a grant are honoured, another site's household is not counted", behaveHouseholdResetGrant},
		{"an overuse raises one alert however often the sweep runs", behaveHouseholdOverQuotaOnce},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

func households(t *testing.T, s Store, site string, now time.Time) map[string]store.HouseholdRow {
	t.Helper()
	rows, err := store.Households(ctx, s, site, now)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.HouseholdRow{}
	for _, r := range rows {
		out[r.Household] = r
	}
	return out
}

func behaveHouseholdHeals(t *testing.T, s Store) {
	putAll(t, s, HouseholdExit("garden", "north", 1, "B3-1201", true),
		HouseholdExit("garden", "north", 2, "B1-0101", false)) // refused: not a use
	now := T0.Add(time.Hour)
	h := households(t, s, "garden", now)["B3-1201"]
	if h.Used != 1 || h.OverQuota || h.NextAt.IsZero() {
		t.Fatalf("one use: %+v", h)
	}
	if b := households(t, s, "garden", now)["B1-0101"]; b.Used != 0 {
		t.Fatalf("a refused entry was counted: %+v", b)
	}
	// The south lane was cut off and let the copied pass out at minute 3;
	// its entry arrives an hour late.
	putAll(t, s, HouseholdExit("garden", "south", 3, "B3-1201", true))
	h = households(t, s, "garden", now)["B3-1201"]
	if h.Used != 2 || !h.OverQuota || h.Overuse.ID != "south-3" || len(h.Units) != 2 {
		t.Fatalf("after the late use: %+v", h)
	}
	if h = households(t, s, "garden", T0.Add(49*time.Hour))["B3-1201"]; h.Used != 0 {
		t.Fatalf("two days on: %+v", h)
	}
}

func behaveHouseholdResetGrant(t *testing.T, s Store) {
	putAll(t, s, HouseholdExit("garden", "north", 1, "H", true),
		HouseholdRecord("garden", "gw", 2, "H", wire.HouseholdReset, 0),
		HouseholdExit("garden", "north", 3, "H", true),
		HouseholdRecord("garden", "gw", 4, "H", wire.HouseholdAdjust, 1),
		HouseholdExit("garden", "north", 5, "H", true),
		HouseholdExit("mall", "door", 1, "H", true))
	h := households(t, s, "garden", T0.Add(time.Hour))["H"]
	if h.Used != 1 || h.OverQuota {
		t.Fatalf("after a reset, a use, a grant of one and a use: %+v", h)
	}
}

func behaveHouseholdOverQuotaOnce(t *testing.T, s Store) {
	putAll(t, s, HouseholdExit("garden", "north", 1, "H", true), HouseholdExit("garden", "south", 2, "H", true))
	var all []store.Alert
	for i := range 3 {
		raised, err := store.RaiseHouseholdOverQuota(ctx, s, "garden", T0.Add(time.Duration(i)*time.Minute+time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, raised...)
	}
	if len(all) != 1 || all[0].Kind != store.KindHouseholdOverQuota || all[0].EntryID != "south-2" || all[0].Unit != "south" {
		t.Fatalf("raised %+v", all)
	}
	got, err := s.Alerts(ctx, store.AlertQuery{Site: "garden"})
	if err != nil || len(got) != 1 || got[0].Severity != store.SeverityMedium {
		t.Fatalf("stored %+v %v", got, err)
	}
}
