package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// uses is a household's uses, each h hours before now.
func uses(h ...float64) *HouseholdUses {
	u := &HouseholdUses{Now: now}
	for _, x := range h {
		u.Uses = append(u.Uses, wire.HouseholdUse{At: now.Add(-time.Duration(x * float64(time.Hour))), N: 1})
	}
	return u
}

func grant(u *HouseholdUses, h float64, n int) *HouseholdUses {
	u.Uses = append(u.Uses, wire.HouseholdUse{At: now.Add(-time.Duration(h * float64(time.Hour))), N: -n})
	return u
}

func TestHouseholdQuotaOnTheClosedCommunityExit(t *testing.T) {
	p := profile(t, "community-closed")
	staff := pass(credential.StatusValid, credential.RoleStaff)
	revoked := pass(credential.StatusRevoked, credential.RoleResident)
	noHousehold := resident()
	noHousehold.Household = ""
	for _, c := range []struct {
		name      string
		lane      wire.Lane
		who       person
		uses      *HouseholdUses
		want      wire.Decision
		counted   bool
		remaining int
		reason    string
	}{
		{"first use of the period goes out", wire.LaneOut, resident(), uses(), wire.Allow, true, 0, "household_left"},
		{"a second use within 2 days is refused", wire.LaneOut, resident(), uses(47), wire.Deny, false, 0, "household_spent"},
		{"a use 2 days ago has left the window", wire.LaneOut, resident(), uses(48), wire.Allow, true, 0, "household_left"},
		{"a grant of one more lets them out", wire.LaneOut, resident(), grant(uses(1), 0.5, 1), wire.Allow, true, 0, "household_left"},
		{"coming back in is not a use", wire.LaneIn, tested(travel(resident(), true), 1), uses(1), wire.Register, false, 0, ""},
		{"staff are not rationed", wire.LaneOut, staff, uses(1), wire.Allow, false, 0, "exit"},
		{"a pass without a household is not rationed", wire.LaneOut, noHousehold, uses(1), wire.Allow, false, 0, "exit"},
		{"a revoked pass counts nothing", wire.LaneOut, revoked, uses(), wire.Allow, false, 0, "exit"},
	} {
		d := p.Evaluate(Input{Lane: c.lane, Credential: c.who, Household: c.uses, Now: now, ClockSynced: true,
			Reading: reading(36.5), Mask: MaskWorn})
		if c.lane == wire.LaneIn {
			// the entrance needs its mask and test; only its household block matters here
			if d.Household != nil {
				t.Errorf("%s: entrance carries a household block %+v", c.name, d.Household)
			}
			continue
		}
		if d.Outcome != c.want {
			t.Errorf("%s: got %s %v, want %s", c.name, d.Outcome, d.Reasons, c.want)
		}
		if c.reason != "" && !hasCode(d.Reasons, c.reason) {
			t.Errorf("%s: reasons %v lack %s", c.name, d.Reasons, c.reason)
		}
		if got := d.Household != nil && d.Household.Counted; got != c.counted {
			t.Errorf("%s: counted %v, want %v (%+v)", c.name, got, c.counted, d.Household)
		}
		if d.Household != nil && d.Household.Remaining != c.remaining {
			t.Errorf("%s: remaining %d, want %d", c.name, d.Household.Remaining, c.remaining)
		}
	}
}

func hasCode(rs []wire.Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

func TestHouseholdRefusalSaysWhenInLocalTime(t *testing.T) {
	p := profile(t, "community-closed")
	// A use at 08:15 on 02-09, local time (UTC+8): the next is at 08:15 on 02-11.
	used := now.Add(-45 * time.Minute).Add(-24 * time.Hour)
	in := Input{Lane: wire.LaneOut, Credential: resident(), Now: now, ClockSynced: true,
		Household: &HouseholdUses{Now: now, Uses: []wire.HouseholdUse{{At: used.UTC(), N: 1}}}}
	d := p.Evaluate(in)
	var r wire.Reason
	for _, x := range d.Reasons {
		if x.Code == "household_spent" {
			r = x
		}
	}
	if r.ZH != "本户通行次数已用完，下次可于 02-11 08:15 后外出" || !strings.Contains(r.EN, "02-11 08:15") {
		t.Fatalf("refusal reads %q / %q", r.ZH, r.EN)
	}
	if d.Household == nil || d.Household.NextAt == nil || !d.Household.NextAt.Equal(used.Add(48*time.Hour)) {
		t.Fatalf("household block %+v lacks the next time", d.Household)
	}
}

func TestHouseholdLastUseSaysWhenTheNextIs(t *testing.T) {
	p := profile(t, "community-closed")
	d := p.Evaluate(Input{Lane: wire.LaneOut, Credential: resident(), Now: now, ClockSynced: true, Household: uses()})
	if d.Household == nil || d.Household.Remaining != 0 || d.Household.NextAt == nil || !d.Household.NextAt.Equal(now.Add(48*time.Hour)) {
		t.Fatalf("after the only use of the period: %+v", d.Household)
	}
}

func TestSoftHouseholdQuotaLetsThroughAndCounts(t *testing.T) {
	p := profile(t, "community-closed")
	p.Checks.Household.Mode = Soft
	d := p.Evaluate(Input{Lane: wire.LaneOut, Credential: resident(), Now: now, ClockSynced: true, Household: uses(1)})
	if d.Outcome != wire.Allow || !hasCode(d.Reasons, "household_spent") || d.Household == nil || !d.Household.Counted {
		t.Fatalf("soft quota: %s %v %+v", d.Outcome, d.Reasons, d.Household)
	}
}

func TestHouseholdQuotaOnTheEntranceLane(t *testing.T) {
	p := profile(t, "community-closed")
	p.Checks.Household.Lane = wire.LaneIn
	p.Checks.Household.Outcome = wire.PersuadeReturn
	in := Input{Lane: wire.LaneIn, Credential: tested(travel(resident(), true), 1), Now: now, ClockSynced: true,
		Reading: reading(36.5), Mask: MaskWorn, Household: uses(2)}
	if d := p.Evaluate(in); d.Outcome != wire.PersuadeReturn || !strings.Contains(d.Reasons[len(d.Reasons)-1].ZH, "后进入") {
		t.Fatalf("entrance quota: %s %v", d.Outcome, d.Reasons)
	}
	// A fever outranks the quota, and the refused person used nothing.
	in.Household, in.Reading = uses(), reading(38.2)
	if d := p.Evaluate(in); d.Outcome != wire.Recheck || d.Household != nil && d.Household.Counted {
		t.Fatalf("fever at the entrance: %s %+v", d.Outcome, d.Household)
	}
}

func TestQuarantinedResidentIsNotCountedWhenRefused(t *testing.T) {
	p := profile(t, "community-closed")
	who := resident()
	who.Watch = &credential.Watch{Kind: credential.WatchQuarantine}
	d := p.Evaluate(Input{Lane: wire.LaneOut, Credential: who, Now: now, ClockSynced: true, Household: uses()})
	if d.Outcome != wire.Deny || d.Household != nil && d.Household.Counted {
		t.Fatalf("quarantined exit: %s %+v", d.Outcome, d.Household)
	}
}

func TestHouseholdValidationNamesEveryKey(t *testing.T) {
	doc := strings.Replace(closedDoc(t), `period = "2d"`, `period = "2 days"`, 1)
	doc = strings.Replace(doc, `allowance = 1 `, `allowance = 0 `, 1)
	doc = strings.Replace(doc, `lane = "out"`, `lane = "exit"`, 1)
	doc = strings.Replace(doc, `roles = ["resident"]`, `roles = ["residnet"]`, 1)
	doc = strings.Replace(doc, `outcome = "deny"            # or`, `outcome = "wait"            # or`, 1)
	_, err := Parse([]byte(doc), "community-closed.toml")
	if err == nil {
		t.Fatal("a broken household section was accepted")
	}
	for _, key := range []string{"checks.household.allowance", "checks.household.period", "checks.household.lane",
		"checks.household.roles", "checks.household.outcome"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("%s not named in:\n%v", key, err)
		}
	}
	if !strings.Contains(err.Error(), `"residnet"`) {
		t.Errorf("the misspelt role is not quoted:\n%v", err)
	}
}

func TestHouseholdLeftOutIsOff(t *testing.T) {
	if m := profile(t, "community-normal").Checks.Household.Mode; m != Off {
		t.Fatalf("community-normal household mode %q", m)
	}
}

func closedDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(profilesDir, "community-closed.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
