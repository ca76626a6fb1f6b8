package screening

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// thermoQueue reads the temperatures a test lines up, then the last one
// again; it is safe for a scanning goroutine and a guard at once.
type thermoQueue struct {
	mu sync.Mutex
	c  []float64
}

func (q *thermoQueue) Measure(context.Context) (policy.Reading, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.c[0]
	if len(q.c) > 1 {
		q.c = q.c[1:]
	}
	return policy.Reading{Raw: policy.Celsius(c), Body: policy.Celsius(c)}, nil
}

func TestEachRegistrationLandsOnTheVisitorItNames(t *testing.T) {
	var decided []wire.Entry
	led := &memLedger{}
	p, _ := New(fixedThermo{t: policy.Celsius(36.3)}, sim.Must(nil), led, options(&decided))
	var visitors []wire.Entry
	for i := range 3 {
		e, _ := p.Screen(context.Background(), []byte(fmt.Sprintf("https://example.com/v%d", i)))
		visitors = append(visitors, e)
	}
	resident, _ := p.Screen(context.Background(), []byte("KAKOU1:PASS:R-0001"))
	if resident.Decision != wire.Allow || visitors[0].Decision != wire.Register {
		t.Fatalf("set-up: resident %s, visitor %s", resident.Decision, visitors[0].Decision)
	}
	for i, v := range visitors {
		e, err := p.Amend(context.Background(), v.ID, Amend{Visitor: &wire.Visitor{Name: fmt.Sprintf("访客%d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		if e.Amends != v.ID || e.Visitor.Name != fmt.Sprintf("访客%d", i) || e.Credential != v.Credential {
			t.Fatalf("registration %d landed on %q (%+v), want %q", i, e.Amends, e.Credential, v.ID)
		}
	}
	for _, e := range led.entries {
		if e.Amends == resident.ID {
			t.Fatalf("a registration landed on the resident who had passed: %+v", e)
		}
	}
	if _, err := p.Amend(context.Background(), visitors[0].ID, Amend{Visitor: &wire.Visitor{Name: "又一次"}}); !errors.Is(err, ErrSettled) {
		t.Fatalf("a second registration on an entry already handled: %v, want ErrSettled", err)
	}
}

func TestAResultLeavesTheScreenOnlyWhenHandledOrDismissed(t *testing.T) {
	var decided []wire.Entry
	p, _ := New(fixedThermo{t: policy.Celsius(36.3)}, sim.Must(nil), &memLedger{}, options(&decided))
	visitor, _ := p.Screen(context.Background(), []byte("https://example.com/v"))
	for i := range 2 * Recent {
		p.Screen(context.Background(), []byte(fmt.Sprintf("KAKOU1:PASS:R-%d", i)))
	}
	open, recent := p.OnScreen()
	if len(open) != 1 || open[0].Entry.ID != visitor.ID || len(recent) != Recent {
		t.Fatalf("after %d passes: open %v, %d recent; the registration must stay", 2*Recent, open, len(recent))
	}
	if _, err := p.Amend(context.Background(), decided[1].ID, Amend{Mask: policy.MaskMissing}); !errors.Is(err, ErrNotOnScreen) {
		t.Fatalf("an action on a pass no longer on screen: %v, want ErrNotOnScreen", err)
	}
	if err := p.Dismiss(visitor.ID, "g-1"); err != nil {
		t.Fatal(err)
	}
	if open, _ := p.OnScreen(); len(open) != 0 {
		t.Fatalf("dismissed but still open: %v", open)
	}
	if err := p.Dismiss(visitor.ID, "g-1"); !errors.Is(err, ErrSettled) {
		t.Fatalf("dismissed twice: %v", err)
	}
}

// The plans' rule is two fever readings of one person; people who show no
// code are not one person.
func TestTwoPeopleWithoutACodeDoNotShareAFever(t *testing.T) {
	var decided []wire.Entry
	th := &thermoQueue{c: []float64{37.8}}
	p, _ := New(th, sim.Must(nil), &memLedger{}, options(&decided))
	a, _ := p.Screen(context.Background(), nil)
	b, _ := p.Screen(context.Background(), nil)
	if a.Decision != wire.Recheck || b.Decision != wire.Recheck || b.Alert != "" {
		t.Fatalf("two no-code people with a fever: %s, %s alert %q; each gets a re-check", a.Decision, b.Decision, b.Alert)
	}
	again, err := p.Recheck(context.Background(), a.ID, "g-1")
	if err != nil {
		t.Fatal(err)
	}
	if again.Decision != wire.Refer || again.Alert != policy.AlertFever || again.Amends != a.ID {
		t.Fatalf("A's re-check: %s alert %q amends %q", again.Decision, again.Alert, again.Amends)
	}
	if _, err := p.Recheck(context.Background(), a.ID, "g-1"); !errors.Is(err, ErrSettled) {
		t.Fatalf("re-check of an entry already re-checked: %v", err)
	}
}

func TestARecheckOfANormalReadingLetsThePersonIn(t *testing.T) {
	var decided []wire.Entry
	th := &thermoQueue{c: []float64{37.6, 36.5}}
	p, _ := New(th, sim.Must(nil), &memLedger{}, options(&decided))
	first, _ := p.Screen(context.Background(), []byte("KAKOU1:PASS:R-7"))
	second, _ := p.Screen(context.Background(), []byte("KAKOU1:PASS:R-7"))
	if first.Decision != wire.Recheck || second.Decision != wire.Allow || second.Amends != first.ID {
		t.Fatalf("pass holder scanned again for the re-check: %s then %s amending %q", first.Decision, second.Decision, second.Amends)
	}
}

// A registration after a fever reading is not a second reading: only a new
// measurement can make it two.
func TestRegisteringAfterAFeverDoesNotCountAsASecondReading(t *testing.T) {
	var decided []wire.Entry
	p, _ := New(fixedThermo{t: policy.Celsius(37.6)}, sim.Must(nil), &memLedger{}, options(&decided))
	first, _ := p.Screen(context.Background(), []byte("https://example.com/v"))
	e, err := p.Amend(context.Background(), first.ID, Amend{Visitor: &wire.Visitor{Name: "张三"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Decision != wire.Recheck || e.Alert != "" {
		t.Fatalf("registered after one fever reading: %s alert %q, want still a re-check", e.Decision, e.Alert)
	}
}

func TestAHandTakenTemperatureForAMeasuredPersonIsAnOverride(t *testing.T) {
	var decided []wire.Entry
	led := &memLedger{}
	p, _ := New(fixedThermo{t: policy.Celsius(45)}, sim.Must(nil), led, options(&decided))
	first, _ := p.Screen(context.Background(), []byte("KAKOU1:PASS:R-1"))
	t366 := policy.Celsius(36.6)
	if _, err := p.Amend(context.Background(), first.ID, Amend{Temperature: &t366}); !errors.Is(err, ErrThermometerWorks) {
		t.Fatalf("45 °C measured, 36.6 typed in: %v, want ErrThermometerWorks", err)
	}
	if len(led.entries) != 1 {
		t.Fatalf("the refused manual entry logged something: %d entries", len(led.entries))
	}
	e, err := p.Override(context.Background(), first.ID, Overrule{Decision: wire.Allow, By: "g-li", Reason: "额温枪复测正常", Temperature: &t366})
	if err != nil {
		t.Fatal(err)
	}
	if e.Override == nil || e.Override.By != "g-li" || e.Temperature.Source != wire.SourceManual ||
		e.Temperature.CorrectedC != 36.6 || e.Guard != "g-li" || e.Amends != first.ID {
		t.Fatalf("override with a handheld reading: %+v %+v", e, e.Temperature)
	}
	if led.entries[0].Temperature.RawC != 45 {
		t.Fatal("the sensor's reading must stay in the ledger as it was")
	}
}

func TestMaskByExceptionCountsAsWornUntilTheGuardMarksIt(t *testing.T) {
	var decided []wire.Entry
	o := options(&decided)
	o.Policy = func() policy.Policy {
		p := policy.Default()
		p.Checks.Mask = policy.MaskCheck{Mode: policy.Hard, Outcome: wire.Deny, Confirm: policy.MaskByException}
		return p
	}
	p, _ := New(fixedThermo{t: policy.Celsius(36.3)}, sim.Must(nil), &memLedger{}, o)
	var passes []wire.Entry
	for i := range 3 {
		e, _ := p.Screen(context.Background(), []byte(fmt.Sprintf("KAKOU1:PASS:R-%d", i)))
		if e.Decision != wire.Allow || e.Mask == nil || *e.Mask != (wire.Mask{Result: wire.MaskWorn, Rule: wire.MaskException}) {
			t.Fatalf("unmarked under exception: %s mask %+v", e.Decision, e.Mask)
		}
		passes = append(passes, e)
	}
	e, err := p.Amend(context.Background(), passes[1].ID, Amend{Mask: policy.MaskMissing, By: "g-1"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Decision != wire.Deny || e.Mask.Result != wire.MaskMissing || e.Credential.Subject != "R-1" {
		t.Fatalf("marked 未戴口罩: %s %+v %s", e.Decision, e.Mask, e.Credential.Subject)
	}
}

func TestMaskConfirmedByTheGuardRecordsAnUncheckedMask(t *testing.T) {
	var decided []wire.Entry
	o := options(&decided)
	o.Policy = func() policy.Policy {
		p := policy.Default()
		p.Checks.Mask = policy.MaskCheck{Mode: policy.Soft, Outcome: wire.Deny, Confirm: policy.MaskByGuard}
		return p
	}
	p, _ := New(fixedThermo{t: policy.Celsius(36.3)}, sim.Must(nil), &memLedger{}, o)
	e, _ := p.Screen(context.Background(), []byte("KAKOU1:PASS:R-1"))
	if e.Mask == nil || *e.Mask != (wire.Mask{Result: wire.MaskUnchecked, Rule: wire.MaskConfirm}) {
		t.Fatalf("mask %+v", e.Mask)
	}
}

func TestEveryScannedEntryNamesTheGuardOnDuty(t *testing.T) {
	var decided []wire.Entry
	o := options(&decided)
	var duty string
	o.OnDuty = func() string { return duty }
	p, _ := New(fixedThermo{t: policy.Celsius(36.3)}, sim.Must(nil), &memLedger{}, o)
	unattended, _ := p.Screen(context.Background(), nil)
	duty = "g-zhao"
	attended, _ := p.Screen(context.Background(), nil)
	if unattended.Guard != "" || attended.Guard != "g-zhao" {
		t.Fatalf("guards %q and %q, want \"\" then g-zhao", unattended.Guard, attended.Guard)
	}
}
