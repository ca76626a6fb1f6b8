package policy

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

type decisionCase struct {
	name    string
	in      Input
	outcome wire.Decision
	reasons string // reason codes in order, space-separated
	alert   string
}

const (
	green  = credential.StatusGreen
	yellow = credential.StatusYellow
	red    = credential.StatusRed
)

// profileCases are the decisions each shipped profile must make.
var profileCases = map[string][]decisionCase{
	"community-normal": {
		{"resident", at(resident()), wire.Allow, "temp_normal pass_valid mask_worn", ""},
		{"legacy pass", at(pass(credential.StatusUnverified, credential.RoleResident)), wire.Allow, "temp_normal pass_unverified mask_worn", ""},
		{"pass past its date registers", at(expiring(resident(), now.Add(-1))), wire.Register, "temp_normal pass_expired mask_worn", ""},
		{"revoked pass after registering", at(pass(credential.StatusRevoked, ""), registered), wire.Allow, "temp_normal pass_revoked mask_worn registered", ""},
		{"green code outsider registers", at(code(green)), wire.Register, "temp_normal visitor_register health_code_green mask_worn", ""},
		{"registered outsider enters", at(code(green), registered), wire.Allow, "temp_normal visitor_register health_code_green mask_worn registered", ""},
		{"red code denied and reported", at(code(red), registered), wire.Deny, "temp_normal visitor_register health_code_red", AlertCodeRed},
		{"code server timeout registers", at(code(credential.StatusTimeout)), wire.Register, "temp_normal visitor_register health_code_timeout mask_worn", ""},
		{"unreadable code registers", at(unreadable()), wire.Register, "temp_normal unknown_code mask_worn", ""},
		{"first fever rechecks", at(resident(), fever), wire.Recheck, "fever_recheck", ""},
		{"second fever refers", at(resident(), feverAgain), wire.Refer, "fever_refer", AlertFever},
		{"second fever by hand refers", at(resident(), feverAgain, manual), wire.Refer, "fever_refer temp_manual", AlertFever},
		{"normal re-check after fever", at(resident(), func(in *Input) { in.PriorFever = true }), wire.Allow, "temp_normal pass_valid mask_worn", ""},
		{"no reading", at(resident(), noReading), wire.Recheck, "no_temperature", ""},
		{"missing mask is logged", at(resident(), noMask), wire.Allow, "temp_normal pass_valid mask_missing", ""},
		{"returnee registers", at(watched(resident(), credential.WatchReturnee, now.Add(72*hour))), wire.Register, "temp_normal pass_valid watch_returnee mask_worn", "watch_returnee"},
		{"quarantine going home", at(watched(resident(), credential.WatchQuarantine, now.Add(72*hour))), wire.Allow, "temp_normal pass_valid watch_quarantine_home mask_worn", AlertWatchQuarantine},
		{"quarantine going out", at(watched(resident(), credential.WatchQuarantine, now.Add(72*hour)), leaving), wire.Deny, "watch_quarantine", AlertWatchQuarantine},
		{"quarantine over", at(watched(resident(), credential.WatchQuarantine, now.Add(-hour)), leaving), wire.Allow, "exit", ""},
		{"quarantine kept without clock", at(watched(resident(), credential.WatchQuarantine, now.Add(-hour)), leaving, unsynced), wire.Deny, "watch_quarantine", AlertWatchQuarantine},
		{"exit with fever", at(noCode(), leaving, fever), wire.Allow, "exit", ""},
		{"courier with a pass", at(courier()), wire.Allow, "temp_normal pass_valid mask_worn", ""},
	},
	"community-closed": {
		{"resident tested yesterday", at(tested(resident(), 24)), wire.Allow, "temp_normal pass_valid nucleic_ok mask_worn", ""},
		{"resident test too old", at(tested(resident(), 49)), wire.Hold, "hold_for_sampling temp_normal pass_valid nucleic_expired", ""},
		{"resident never tested", at(resident()), wire.Hold, "hold_for_sampling temp_normal pass_valid nucleic_missing", ""},
		{"test age unknown without clock", at(tested(resident(), 200), unsynced), wire.Allow, "temp_normal pass_valid nucleic_unchecked mask_worn", ""},
		{"unsigned pass registers", at(tested(pass(credential.StatusUnverified, credential.RoleResident), 2)), wire.Register, "temp_normal pass_unverified nucleic_ok mask_worn", ""},
		{"outsider persuaded", at(tested(code(green), 2)), wire.PersuadeReturn, "temp_normal outsider_not_admitted", ""},
		{"visitor persuaded", at(visitorCode(), registered), wire.PersuadeReturn, "temp_normal outsider_not_admitted", ""},
		{"no code persuaded", at(noCode()), wire.PersuadeReturn, "temp_normal outsider_not_admitted", ""},
		{"courier to the handover point", at(tested(courier(), 2)), wire.PersuadeReturn, "temp_normal courier_handover", ""},
		{"no mask", at(tested(resident(), 2), noMask), wire.Deny, "temp_normal pass_valid nucleic_ok mask_missing", ""},
		{"mask not confirmed is recorded", at(tested(resident(), 2), maskUnknown), wire.Allow, "temp_normal pass_valid nucleic_ok mask_unchecked", ""},
		{"fever first", at(tested(resident(), 2), fever), wire.Recheck, "fever_recheck", ""},
		{"exit", at(resident(), leaving), wire.Allow, "exit", ""},
	},
	"community-outbreak": {
		{"resident", at(resident()), wire.Allow, "temp_normal pass_valid mask_worn", ""},
		{"visitor with everything", at(travel(tested(code(green), 24), true), registered), wire.Allow,
			"temp_normal visitor_register health_code_green travel_card_ok nucleic_ok mask_worn registered", ""},
		{"visitor to register", at(travel(tested(code(green), 24), true)), wire.Register,
			"temp_normal visitor_register health_code_green travel_card_ok nucleic_ok mask_worn", ""},
		{"travel card flagged", at(travel(tested(code(green), 24), false)), wire.PersuadeReturn,
			"temp_normal visitor_register health_code_green travel_card_flagged", ""},
		{"travel card not in the code", at(tested(code(green), 24), registered), wire.Allow,
			"temp_normal visitor_register health_code_green travel_card_unseen nucleic_ok mask_worn registered", ""},
		{"test three days old", at(travel(tested(code(green), 72), true)), wire.PersuadeReturn,
			"temp_normal visitor_register health_code_green travel_card_ok nucleic_expired", ""},
		{"yellow code", at(code(yellow)), wire.Deny, "temp_normal visitor_register health_code_yellow", AlertCodeYellow},
		{"courier", at(courier()), wire.PersuadeReturn, "temp_normal courier_handover", ""},
	},
	"class-b": {
		{"anyone at a normal temperature", at(noCode()), wire.Allow, "temp_normal", ""},
		{"codes are not checked", at(code(red)), wire.Allow, "temp_normal", ""},
		{"passes are not checked", at(pass(credential.StatusRevoked, credential.RoleResident)), wire.Allow, "temp_normal", ""},
		{"fever rechecks", at(noCode(), fever), wire.Recheck, "fever_recheck", ""},
		{"second fever refers", at(noCode(), feverAgain), wire.Refer, "fever_refer", AlertFever},
		{"no roster check", at(watched(resident(), credential.WatchQuarantine, now.Add(hour)), leaving), wire.Allow, "exit", ""},
	},
	"supermarket-normal": {
		{"shopper", at(code(green), inside(10)), wire.Allow, "temp_normal health_code_green mask_worn", ""},
		{"full", at(code(green), inside(200)), wire.Wait, "temp_normal health_code_green mask_worn capacity_full", ""},
		{"gateway's lower capacity", at(code(green), inside(160, 150)), wire.Wait, "temp_normal health_code_green mask_worn capacity_full", ""},
		{"count unknown", at(code(green)), wire.Allow, "temp_normal health_code_green mask_worn occupancy_unknown", ""},
		{"code server slow", at(code(credential.StatusTimeout), inside(10)), wire.Allow, "temp_normal health_code_timeout mask_worn", ""},
		{"no phone registers", at(noCode(), inside(10)), wire.Register, "temp_normal no_code mask_worn", ""},
		{"no mask", at(code(green), inside(10), noMask), wire.Deny, "temp_normal health_code_green mask_missing", ""},
		{"red code", at(code(red), inside(10)), wire.Deny, "temp_normal health_code_red", AlertCodeRed},
		{"quarantine out shopping", at(watched(code(green), credential.WatchQuarantine, now.Add(hour))), wire.Deny,
			"temp_normal health_code_green watch_quarantine_out", AlertWatchQuarantine},
		{"fever before the queue", at(code(green), inside(200), fever), wire.Recheck, "fever_recheck", ""},
		{"exit lane", at(code(green), inside(200), leaving), wire.Allow, "exit", ""},
	},
	"clinic-normal": {
		{"first fever to the fever clinic", at(code(green), fever), wire.Refer, "fever_refer", AlertFever},
		{"patient registers", at(code(green)), wire.Register, "temp_normal visitor_register health_code_green mask_worn", ""},
		{"registered patient", at(code(green), registered), wire.Allow, "temp_normal visitor_register health_code_green mask_worn registered", ""},
		{"red code to the fever clinic", at(code(red)), wire.Refer, "temp_normal visitor_register health_code_red", AlertCodeRed},
		{"staff", at(pass(credential.StatusValid, credential.RoleStaff)), wire.Allow, "temp_normal pass_valid mask_worn", ""},
		{"quarantine to the fever clinic", at(watched(code(green), credential.WatchQuarantine, now.Add(hour))), wire.Refer,
			"temp_normal visitor_register health_code_green watch_quarantine_out", AlertWatchQuarantine},
	},
	"school-normal": {
		{"student", at(pass(credential.StatusUnverified, credential.RoleResident)), wire.Allow, "temp_normal pass_unverified mask_worn", ""},
		{"parent without a code", at(noCode()), wire.Register, "temp_normal no_code mask_worn", ""},
		{"food delivery", at(courier()), wire.PersuadeReturn, "temp_normal courier_handover", ""},
		{"second fever", at(resident(), feverAgain), wire.Refer, "fever_refer", AlertFever},
		{"missing mask is logged", at(resident(), noMask), wire.Allow, "temp_normal pass_valid mask_missing", ""},
	},
	"nursing-home-outbreak": {
		{"tested visitor", at(tested(code(green), 24), registered), wire.Allow, "temp_normal visitor_register nucleic_ok mask_worn registered", ""},
		{"untested visitor", at(code(green), registered), wire.Deny, "temp_normal visitor_register nucleic_missing", ""},
		{"test too old", at(tested(visitorCode(), 7*24), registered), wire.Deny, "temp_normal visitor_register nucleic_expired", ""},
		{"no code, no test", at(noCode()), wire.Deny, "temp_normal no_code nucleic_missing", ""},
		{"staff need no test", at(pass(credential.StatusValid, credential.RoleStaff)), wire.Allow, "temp_normal pass_valid mask_worn", ""},
		{"codes are not judged", at(tested(code(red), 2), registered), wire.Allow, "temp_normal visitor_register nucleic_ok mask_worn registered", ""},
	},
}

func TestProfilesDecide(t *testing.T) {
	for name, cases := range profileCases {
		p := profile(t, name)
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				d := p.Evaluate(c.in)
				if got := codes(d.Reasons); d.Outcome != c.outcome || got != c.reasons || d.Alert != c.alert {
					t.Fatalf("got %s [%s] alert %q, want %s [%s] alert %q", d.Outcome, got, d.Alert, c.outcome, c.reasons, c.alert)
				}
				if d.Version != p.Version {
					t.Errorf("decision records version %q, policy is %q", d.Version, p.Version)
				}
				checkTexts(t, d.Reasons)
			})
		}
	}
}

func TestEveryProfileHasADecisionTable(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(profilesDir, "*.toml"))
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".toml"))
	}
	for name := range profileCases {
		if !slices.Contains(names, name) {
			t.Errorf("table for %s, which is not shipped", name)
		}
	}
	for _, n := range names {
		if len(profileCases[n]) == 0 {
			t.Errorf("%s.toml has no decision table", n)
		}
	}
}

func TestLoadDirLoadsEveryProfile(t *testing.T) {
	docs, err := LoadDir(profilesDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != len(profileCases) {
		t.Fatalf("loaded %d documents, want %d", len(docs), len(profileCases))
	}
}

func codes(rs []wire.Reason) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.Code
	}
	return strings.Join(s, " ")
}

// checkTexts holds every reason to the wire's limits: text for both
// readers, at most 256 bytes.
func checkTexts(t *testing.T, rs []wire.Reason) {
	t.Helper()
	for _, r := range rs {
		if r.Code == "" || r.ZH == "" || r.EN == "" || len(r.ZH) > 256 || len(r.EN) > 256 {
			t.Errorf("reason %+v lacks text or is too long", r)
		}
	}
}
