package screening

import (
	"context"
	"errors"
	"testing"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

func TestSecondFeverWithinTheWindowRefersAndAlerts(t *testing.T) {
	var decided []wire.Entry
	p, _ := New(fixedThermo{t: policy.Celsius(37.6)}, sim.Must(nil), &memLedger{}, options(&decided))
	code := []byte("KAKOU1:PASS:R-0042")
	first, _ := p.Screen(context.Background(), code)
	if first.Decision != wire.Recheck || first.Alert != "" {
		t.Fatalf("first fever: %s alert %q, want a re-check without alert", first.Decision, first.Alert)
	}
	other, _ := p.Screen(context.Background(), []byte("KAKOU1:PASS:R-0043"))
	if other.Decision != wire.Recheck {
		t.Fatalf("someone else's first fever: %s", other.Decision)
	}
	second, _ := p.Screen(context.Background(), code)
	if second.Decision != wire.Refer || second.Alert != policy.AlertFever {
		t.Fatalf("second fever: %s alert %q, want refer with a fever alert", second.Decision, second.Alert)
	}
	third, _ := p.Screen(context.Background(), code)
	if third.Decision != wire.Recheck {
		t.Fatalf("after a referral the next visit starts afresh: %s", third.Decision)
	}
}

func TestRegisteringAVisitorLetsThemInWithTheirDetailsMasked(t *testing.T) {
	var decided []wire.Entry
	led := &memLedger{}
	p, _ := New(fixedThermo{t: policy.Celsius(36.1)}, sim.Must(nil), led, options(&decided))
	if _, err := p.Amend(context.Background(), "id-1", Amend{Mask: policy.MaskWorn}); !errors.Is(err, ErrNotOnScreen) {
		t.Fatalf("amend before any scan: %v", err)
	}
	first, _ := p.Screen(context.Background(), []byte("https://example.com"))
	if first.Decision != wire.Register {
		t.Fatalf("unknown code: %s", first.Decision)
	}
	v := &wire.Visitor{Name: "张三", Phone: wire.MaskPhone("13812345678"), Destination: "3-2-501"}
	e, err := p.Amend(context.Background(), first.ID, Amend{Visitor: v, By: "g-wang"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Decision != wire.Allow || e.Visitor == nil || e.Visitor.Phone != "138****5678" || e.Temperature == nil {
		t.Fatalf("after registration: %s %+v", e.Decision, e.Visitor)
	}
	if e.Amends != first.ID || e.Guard != "g-wang" {
		t.Fatalf("registration names entry %q by guard %q, want %q by g-wang", e.Amends, e.Guard, first.ID)
	}
}

func TestOverrideRecordsWhoWhyAndWhichEntry(t *testing.T) {
	var decided []wire.Entry
	p, _ := New(fixedThermo{t: policy.Celsius(36.1)}, sim.Must(nil), &memLedger{}, options(&decided))
	first, _ := p.Screen(context.Background(), nil)
	e, err := p.Override(context.Background(), first.ID, Overrule{Decision: wire.Allow, By: "王师傅", Reason: "elderly resident, no phone"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Decision != wire.Allow || e.Override == nil || e.Override.Replaces != first.ID || e.Amends != first.ID ||
		e.Reasons[0].Code != "guard_override" || e.Validate() != nil {
		t.Fatalf("override entry: %+v %+v", e, e.Override)
	}
}

// samplingThermo reports the individual readings behind its median.
type samplingThermo struct{}

func (samplingThermo) Measure(context.Context) (policy.Reading, error) {
	s := []physic.Temperature{policy.Celsius(36.0), policy.Celsius(36.1), policy.Celsius(36.3)}
	return policy.Reading{Raw: s[1], Body: s[1] + 500*physic.MilliKelvin, Samples: s}, nil
}

func TestEntryKeepsTheRawSamples(t *testing.T) {
	var decided []wire.Entry
	p, _ := New(samplingThermo{}, sim.Must(nil), &memLedger{}, options(&decided))
	e, _ := p.Screen(context.Background(), nil)
	if got := e.Temperature.SamplesC; len(got) != 3 || got[0] != 36.0 || got[2] != 36.3 || e.Temperature.RawC != 36.1 {
		t.Fatalf("temperature %+v", e.Temperature)
	}
}
