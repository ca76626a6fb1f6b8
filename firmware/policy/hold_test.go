package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func returnee(in *Input)    { in.Registered, in.Returnee = true, true }
func pendingHold(in *Input) { in.PendingHold = true }

// sampledAt gives p a green health code sampled at t.
func sampledAt(t time.Time) person {
	p := code(green)
	p.Wire.Subject = "H1"
	p.NucleicAcidAt = t
	return p
}

// holdCases are the hold's decisions under the shipped profiles: who is
// held, who is held again, and what releases them at the gate.
var holdCases = map[string][]decisionCase{
	"community-closed": {
		{"resident without a test is held", at(resident()), wire.Hold, "hold_for_sampling temp_normal pass_valid nucleic_missing", ""},
		{"held resident scanning again is held again", at(resident(), pendingHold), wire.Hold, "hold_pending_result temp_normal pass_valid nucleic_missing", ""},
		{"held resident with an old test is held again", at(tested(resident(), 24), pendingHold), wire.Hold, "hold_pending_result temp_normal pass_valid nucleic_ok mask_worn", ""},
		{"an outsider's code sampled today does not make them a resident", at(sampledAt(now.Add(-hour)), registered, pendingHold),
			wire.PersuadeReturn, "temp_normal outsider_not_admitted", ""},
		{"held person with a fever is rechecked, not released", at(resident(), pendingHold, fever), wire.Recheck, "fever_recheck", ""},
		{"held person leaving is logged", at(resident(), pendingHold, leaving), wire.Allow, "exit", ""},
	},
	"community-normal": {
		{"returnee registered at the gate is held", at(noCode(), returnee), wire.Hold, "hold_for_sampling temp_normal no_code mask_worn registered returnee_arrival_test", ""},
		{"registered visitor is not", at(noCode(), registered), wire.Allow, "temp_normal no_code mask_worn registered", ""},
		{"held returnee is held again", at(noCode(), returnee, pendingHold), wire.Hold, "hold_pending_result temp_normal no_code mask_worn registered returnee_arrival_test", ""},
		{"held person sampled this morning is released", at(sampledAt(now.Add(-2*hour)), returnee, pendingHold), wire.Allow,
			"released_after_negative_result sampled_today temp_normal visitor_register health_code_green mask_worn registered returnee_arrival_test", ""},
		{"sampled yesterday evening is not today", at(sampledAt(now.Add(-12*hour)), returnee, pendingHold), wire.Hold,
			"hold_pending_result temp_normal visitor_register health_code_green mask_worn registered returnee_arrival_test", ""},
		{"sampled in the future releases nobody", at(sampledAt(now.Add(2*hour)), returnee, pendingHold), wire.Hold,
			"hold_pending_result temp_normal visitor_register health_code_green mask_worn registered returnee_arrival_test", ""},
		{"sampled today by an unsynced clock releases nobody", at(sampledAt(time.Unix(0, 0)), returnee, pendingHold, unsynced), wire.Hold,
			"hold_pending_result temp_normal visitor_register health_code_green mask_worn registered returnee_arrival_test", ""},
	},
}

func TestHoldDecisions(t *testing.T) {
	for name, cases := range holdCases {
		p := profile(t, name)
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				d := p.Evaluate(c.in)
				if got := codes(d.Reasons); d.Outcome != c.outcome || got != c.reasons || d.Alert != c.alert {
					t.Fatalf("got %s [%s] alert %q, want %s [%s] alert %q", d.Outcome, got, d.Alert, c.outcome, c.reasons, c.alert)
				}
				checkTexts(t, d.Reasons)
			})
		}
	}
}

func TestSameDaySamplingReleasesOnlyWhereThePolicyAcceptsIt(t *testing.T) {
	p := profile(t, "community-normal")
	in := at(sampledAt(now.Add(-hour)), returnee, pendingHold)
	if d := p.Evaluate(in); d.Outcome != wire.Allow {
		t.Fatalf("with same_day_sampling: %s %s, want allow", d.Outcome, codes(d.Reasons))
	}
	p.Checks.Hold.SameDaySampling = false
	if d := p.Evaluate(in); d.Outcome != wire.Hold || codes(d.Reasons)[:len(wire.ReasonStillHeld)] != wire.ReasonStillHeld {
		t.Fatalf("without same_day_sampling: %s %s, want held again", d.Outcome, codes(d.Reasons))
	}
	in = at(func() person { c := sampledAt(now.Add(-hour)); c.Status = yellow; return c }(), returnee, pendingHold)
	p.Checks.Hold.SameDaySampling = true
	if d := p.Evaluate(in); d.Outcome == wire.Allow {
		t.Fatalf("a yellow code sampled today released: %s", codes(d.Reasons))
	}
}

func TestHoldReasonsAreTranslatedAndSpeakTheWireCodes(t *testing.T) {
	checkTexts(t, []wire.Reason{ReasonHeld, ReasonStillHeld, ReasonReleased, ReasonSampledToday, ReasonReturneeTest})
	if ReasonReleased.Code != "released_after_negative_result" || ReasonHeld.Code != wire.ReasonHeld {
		t.Fatal("the centre pairs holds and releases by the wire's codes")
	}
}

func TestHoldSettingsAreValidatedWithTheirKeys(t *testing.T) {
	for _, c := range []struct{ doc, key, reason string }{
		{"[checks.returnee]\nmode = \"hard\"\noutcome = \"hodl\"\n", "checks.returnee.outcome", `"hodl" is not one of deny, register, refer, persuade_return, hold`},
		{"[checks.returnee]\nmode = \"always\"\n", "checks.returnee.mode", `"always" is not one of`},
		{"[checks.returnee]\nmode = \"hard\"\noutcome = \"allow\"\n", "checks.returnee.outcome", "not one of"},
		{"[checks.nucleic_acid]\nmode = \"hard\"\nwindow = \"48h\"\napplies_to = [\"residents\"]\noutcome = \"wait\"\n", "checks.nucleic_acid.outcome", "not one of"},
		{"[checks.hold]\nsame_day = true\n", "checks.hold.same_day", "unknown key"},
	} {
		_, err := Parse([]byte(head+c.doc), "site.toml")
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%q: got %v, want a ValidationError", c.doc, err)
		}
		found := false
		for _, p := range ve.Problems {
			found = found || p.Key == c.key && strings.Contains(p.Reason, c.reason)
		}
		if !found {
			t.Errorf("%q: %v, want %s: %s", c.doc, err, c.key, c.reason)
		}
	}
	p, err := Parse([]byte(head+"[checks.nucleic_acid]\nmode = \"hard\"\nwindow = \"48h\"\napplies_to = [\"residents\"]\noutcome = \"hold\"\n[checks.returnee]\nmode = \"hard\"\n"), "site.toml")
	if err != nil {
		t.Fatalf("hold as an outcome refused: %v", err)
	}
	if p.Checks.Returnee.Outcome != wire.Hold {
		t.Errorf("returnee outcome defaults to %q, want hold (test on arrival)", p.Checks.Returnee.Outcome)
	}
}
