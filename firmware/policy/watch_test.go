package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// matched is p with a roster hit of kind, found by by, with the entry's
// own outcome (or "").
func matched(p person, k credential.WatchKind, by string, out wire.Decision) person {
	p.Watch = &credential.Watch{Entry: "w1", Kind: k, By: by, Until: now.Add(72 * hour), Outcome: out}
	return p
}

func TestRosterCheckAppliesEveryKindAndOutcome(t *testing.T) {
	p := Default()
	p.Checks.Watch = WatchCheck{Mode: Hard, OnQuarantineEntry: wire.Allow, OnMonitoring: wire.Allow,
		OnReturnee: wire.Register, OnVisitorToQuarantine: wire.PersuadeReturn}
	q, mon, ret := credential.WatchQuarantine, credential.WatchMonitoring, credential.WatchReturnee
	cases := []decisionCase{
		{"quarantined pass going home is let in and reported", at(matched(resident(), q, wire.WatchByPass, "")), wire.Allow,
			"temp_normal pass_valid watch_quarantine_home mask_worn", AlertWatchQuarantine},
		{"quarantined household member going out is stopped", at(matched(resident(), q, wire.WatchByHousehold, ""), leaving), wire.Deny,
			"watch_quarantine", AlertWatchQuarantine},
		{"quarantined person whose entry says refer is referred on the way out", at(matched(resident(), q, wire.WatchByIDHash, wire.Refer), leaving),
			wire.Refer, "watch_quarantine", AlertWatchQuarantine},
		{"quarantine entry outcome never stops them going home", at(matched(resident(), q, wire.WatchByPass, wire.Deny)), wire.Allow,
			"temp_normal pass_valid watch_quarantine_home mask_worn", AlertWatchQuarantine},
		{"monitoring is alert-only by the policy", at(matched(resident(), mon, wire.WatchByPass, "")), wire.Allow,
			"temp_normal pass_valid watch_monitoring mask_worn", AlertWatchMonitoring},
		{"monitoring with the entry's deny", at(matched(resident(), mon, wire.WatchByPass, wire.Deny)), wire.Deny,
			"temp_normal pass_valid watch_monitoring_refused", AlertWatchMonitoring},
		{"monitoring leaving is reported and let go", at(matched(resident(), mon, wire.WatchByPass, ""), leaving), wire.Allow,
			"watch_monitoring exit", AlertWatchMonitoring},
		{"returnee registers", at(matched(resident(), ret, wire.WatchByPhoneHash, "")), wire.Register,
			"temp_normal pass_valid watch_returnee mask_worn", AlertWatchReturnee},
		{"returnee whose entry is alert-only passes", at(matched(resident(), ret, wire.WatchByPass, wire.WatchAlertOnly)), wire.Allow,
			"temp_normal pass_valid watch_returnee_reported mask_worn", AlertWatchReturnee},
		{"returnee whose entry says refer is referred", at(matched(resident(), ret, wire.WatchByPass, wire.Refer)), wire.Refer,
			"temp_normal pass_valid watch_returnee_refused", AlertWatchReturnee},
		{"registered visitor to a quarantined household is persuaded to return", at(matched(visitorCode(), q, wire.WatchByDestination, ""), registered),
			wire.PersuadeReturn, "temp_normal visitor_register watch_household_visitor", AlertWatchVisitor},
		{"a visitor's destination never stops someone leaving", at(matched(visitorCode(), q, wire.WatchByDestination, ""), leaving),
			wire.Allow, "exit", ""},
		{"an entry past its end with a synced clock is not applied", at(func() person {
			r := matched(resident(), q, wire.WatchByPass, "")
			r.Watch.Until = now.Add(-time.Minute)
			return r
		}(), leaving), wire.Allow, "exit", ""},
		{"an entry past its end with an unsynced clock still is", at(func() person {
			r := matched(resident(), q, wire.WatchByPass, "")
			r.Watch.Until = now.Add(-time.Minute)
			return r
		}(), leaving, unsynced), wire.Deny, "watch_quarantine", AlertWatchQuarantine},
	}
	for _, c := range cases {
		d := p.Evaluate(c.in)
		if got := codes(d.Reasons); d.Outcome != c.outcome || got != c.reasons || d.Alert != c.alert {
			t.Errorf("%s: got %s [%s] alert %q, want %s [%s] alert %q", c.name, d.Outcome, got, d.Alert, c.outcome, c.reasons, c.alert)
		}
		checkTexts(t, d.Reasons)
	}
	p.Checks.Watch.OnMonitoring = wire.WatchAlertOnly
	if d := p.Evaluate(at(matched(resident(), mon, wire.WatchByPass, ""))); d.Outcome != wire.Allow || d.Alert != AlertWatchMonitoring {
		t.Errorf("on_monitoring = \"alert\": %s alert %q, want allow and the alert", d.Outcome, d.Alert)
	}
	soft := p
	soft.Checks.Watch.Mode = Soft
	d := soft.Evaluate(at(matched(visitorCode(), q, wire.WatchByDestination, ""), registered))
	if d.Outcome != wire.Allow || d.Alert != AlertWatchVisitor {
		t.Errorf("soft roster check: %s alert %q, want allow and the alert", d.Outcome, d.Alert)
	}
}

func TestRosterCheckRefusesAMisspeltOutcomeWithItsKey(t *testing.T) {
	doc := `version = "t"
[checks.watch]
mode = "hard"
on_monitoring = "alret"
on_returnee = "regsiter"
on_visitor_to_quarantine = "allow"
`
	_, err := Parse([]byte(doc), "t.toml")
	if err == nil {
		t.Fatal("a misspelt roster outcome was accepted")
	}
	for _, key := range []string{"checks.watch.on_monitoring", "checks.watch.on_returnee", "checks.watch.on_visitor_to_quarantine"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}
