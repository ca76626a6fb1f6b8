package screening

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// closedCommunity is community-closed as shipped, taking the legacy
// unsigned passes the format-only checker reports, so a pass scan reaches
// the nucleic-acid check (and, with no test, the hold).
func closedCommunity(t *testing.T) func() policy.Policy {
	t.Helper()
	p, err := policy.Load(filepath.Join("..", "..", "configs", "policies", "community-closed.toml"))
	if err != nil {
		t.Fatal(err)
	}
	p.Checks.ResidentPass.Accept = append(p.Checks.ResidentPass.Accept, credential.StatusUnverified)
	return func() policy.Policy { return p }
}

func normalCommunity(t *testing.T) func() policy.Policy {
	t.Helper()
	p, err := policy.Load(filepath.Join("..", "..", "configs", "policies", "community-normal.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return func() policy.Policy { return p }
}

// morning is the unit's synced clock during the tests.
var morning = time.Date(2026, 12, 7, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// healthCodes is a verifier at the credential edge: each code the test
// scans is a green health code sampled at the time it names.
type healthCodes map[string]time.Time

func (h healthCodes) Check(_ context.Context, code []byte) credential.Presented {
	if at, ok := h[string(code)]; ok {
		return credential.Presented{Wire: wire.Credential{Kind: wire.CredentialHealthCode, Result: "green", Subject: "H-zhang"},
			Status: credential.StatusGreen, NucleicAcidAt: at}
	}
	c := credential.Decode(code)
	return credential.Presented{Wire: c, Status: credential.Status(c.Result)}
}

func holdLane(t *testing.T, pol func() policy.Policy, creds Credentials) (*Pipeline, *memLedger) {
	t.Helper()
	var decided []wire.Entry
	o := options(&decided)
	o.Policy, o.Credentials = pol, creds
	o.Now = func() (time.Time, bool) { return morning, true }
	o.OnDuty = func() string { return "wang" }
	led := &memLedger{}
	p, err := New(fixedThermo{t: policy.Celsius(36.1)}, blockedScanner{}, led, o)
	if err != nil {
		t.Fatal(err)
	}
	return p, led
}

func decisions(es []wire.Entry) string {
	s := ""
	for _, e := range es {
		s += fmt.Sprintf("%s:%s ", e.Credential.Subject, e.Decision)
	}
	return s
}

func TestAHoldLetsTheLaneScanOnAndAHeldPersonScanningAgainIsHeldAgain(t *testing.T) {
	p, led := holdLane(t, closedCommunity(t), nil)
	ctx := context.Background()
	held, _ := p.Screen(ctx, []byte("KAKOU1:PASS:R-1"))
	if held.Decision != wire.Hold || held.Reasons[0].Code != wire.ReasonHeld {
		t.Fatalf("untested resident: %s %v, want hold", held.Decision, held.Reasons)
	}
	if p.Held() != nil {
		t.Fatal("a sampling hold stops the lane like a wait")
	}
	p.Screen(ctx, []byte("KAKOU1:PASS:R-2"))
	again, _ := p.Screen(ctx, []byte("KAKOU1:PASS:R-1"))
	if again.Decision != wire.Hold || again.Reasons[0].Code != wire.ReasonStillHeld {
		t.Fatalf("held resident scanning again: %s %v, want held again", again.Decision, again.Reasons)
	}
	hs := p.SamplingHolds()
	if len(hs) != 2 || hs[1].Entry.ID != held.ID || hs[1].Released != nil {
		t.Fatalf("holds %+v, want R-2's and R-1's first hold, pending", hs)
	}
	if got := decisions(led.entries); got != "R-1:hold R-2:hold R-1:hold " {
		t.Fatalf("ledger %s", got)
	}
	if n, _ := led.Admissions(ctx, 0); len(n) != 0 {
		t.Fatalf("holds counted as admissions: %v", n)
	}
}

func TestANegativeResultReleasesTheHeldPersonOnceAndAPositiveOneNever(t *testing.T) {
	p, led := holdLane(t, closedCommunity(t), nil)
	ctx := context.Background()
	held, _ := p.Screen(ctx, []byte("KAKOU1:PASS:R-1"))
	p.Screen(ctx, []byte("KAKOU1:PASS:R-2"))
	res := func(id, pass, result string, at time.Time) wire.TestResult {
		return wire.TestResult{ID: id, Pass: pass, Result: result, SampledAt: at}
	}
	out, err := p.ApplyResults(ctx, []wire.TestResult{
		res("r0", "R-1", wire.ResultNegative, morning.Add(-24*time.Hour)), // before the hold's day
		res("r1", "R-2", wire.ResultPositive, morning),
		res("r2", "R-9", wire.ResultNegative, morning), // nobody held
	})
	if err != nil || len(out) != 0 {
		t.Fatalf("released %v (%v); an old, a positive and a stranger's result release nobody", out, err)
	}
	out, _ = p.ApplyResults(ctx, []wire.TestResult{res("r3", "R-1", wire.ResultNegative, morning)})
	if len(out) != 1 {
		t.Fatalf("negative result released %d", len(out))
	}
	r := out[0]
	if r.Decision != wire.Allow || r.Reasons[0].Code != wire.ReasonReleased || r.Amends != held.ID ||
		r.Guard != "wang" || r.Credential.Subject != "R-1" || r.Validate() != nil {
		t.Fatalf("release entry %+v", r)
	}
	if again, _ := p.ApplyResults(ctx, []wire.TestResult{res("r3", "R-1", wire.ResultNegative, morning)}); len(again) != 0 {
		t.Fatal("the same result released twice")
	}
	if next, _ := p.Screen(ctx, []byte("KAKOU1:PASS:R-1")); next.Decision != wire.Hold || next.Reasons[0].Code != wire.ReasonHeld {
		t.Fatalf("released resident without a test, next day's scan: %s %v; a new hold, not a re-hold", next.Decision, next.Reasons)
	}
	if got := decisions(led.entries); got != "R-1:hold R-2:hold R-1:allow R-1:hold " {
		t.Fatalf("ledger %s", got)
	}
}

func TestASameDaySamplingRecordReleasesAHeldReturnee(t *testing.T) {
	codes := healthCodes{"old": morning.Add(-72 * time.Hour), "today": morning.Add(-time.Hour)}
	p, _ := holdLane(t, normalCommunity(t), codes)
	ctx := context.Background()
	first, _ := p.Screen(ctx, []byte("old"))
	if first.Decision != wire.Register {
		t.Fatalf("green code, no registration: %s", first.Decision)
	}
	v := &wire.Visitor{Name: "张三", Phone: wire.MaskPhone("13800138000"),
		PhoneHash: wire.PersonHash([]byte("k"), "phone", "13800138000")}
	ret := &wire.Returnee{Origin: "武汉", Arrived: morning.Add(-2 * time.Hour), Household: "3栋501"}
	held, err := p.Amend(ctx, first.ID, Amend{Visitor: v, Returnee: ret, By: "wang"})
	if err != nil || held.Decision != wire.Hold || held.Returnee == nil {
		t.Fatalf("registered returnee: %s %+v (%v), want a hold carrying the returnee block", held.Decision, held.Returnee, err)
	}
	if again, _ := p.Screen(ctx, []byte("old")); again.Decision != wire.Hold {
		t.Fatalf("the same code without a new sample: %s, want held again", again.Decision)
	}
	rel, _ := p.Screen(ctx, []byte("today"))
	if rel.Decision != wire.Allow || rel.Reasons[0].Code != wire.ReasonReleased || rel.Amends != held.ID {
		t.Fatalf("sampled today: %s %v amends %q, want a release of %s", rel.Decision, rel.Reasons, rel.Amends, held.ID)
	}
	if hs := p.SamplingHolds(); len(hs) != 1 || hs[0].Released == nil || hs[0].Released.ID != rel.ID {
		t.Fatalf("holds after the release: %+v", hs)
	}
	// The centre's result for the phone the returnee registered with
	// finds nobody pending now.
	if out, _ := p.ApplyResults(ctx, []wire.TestResult{{ID: "r", PhoneHash: v.PhoneHash, Result: wire.ResultNegative, SampledAt: morning}}); len(out) != 0 {
		t.Fatal("a released returnee released again")
	}
}

func TestAResultFindsAHeldReturneeByTheirPhone(t *testing.T) {
	p, _ := holdLane(t, normalCommunity(t), nil)
	ctx := context.Background()
	first, _ := p.Screen(ctx, nil)
	v := &wire.Visitor{Name: "李四", Phone: wire.MaskPhone("13900139000"),
		PhoneHash: wire.PersonHash([]byte("k"), "phone", "13900139000"),
		IDHash:    wire.PersonHash([]byte("k"), "id", "110101199003071234")}
	held, _ := p.Amend(ctx, first.ID, Amend{Visitor: v, Returnee: &wire.Returnee{Origin: "上海", Arrived: morning}})
	if held.Decision != wire.Hold {
		t.Fatalf("returnee without a code: %s", held.Decision)
	}
	out, _ := p.ApplyResults(ctx, []wire.TestResult{{ID: "r", IDHash: v.IDHash, Result: wire.ResultNegative, SampledAt: morning}})
	if len(out) != 1 || out[0].Amends != held.ID || out[0].Visitor == nil || out[0].Returnee == nil {
		t.Fatalf("release by ID hash: %+v", out)
	}
}

func TestRestoredHoldsSurviveARestart(t *testing.T) {
	p, led := holdLane(t, closedCommunity(t), nil)
	ctx := context.Background()
	held, _ := p.Screen(ctx, []byte("KAKOU1:PASS:R-1"))
	p.Screen(ctx, []byte("KAKOU1:PASS:R-2"))
	out, _ := p.ApplyResults(ctx, []wire.TestResult{{ID: "r", Pass: "R-2", Result: wire.ResultNegative, SampledAt: morning}})
	q, _ := holdLane(t, closedCommunity(t), nil)
	q.RestoreHolds([]wire.Entry{led.entries[0], led.entries[1]}, out)
	if e, _ := q.Screen(ctx, []byte("KAKOU1:PASS:R-1")); e.Decision != wire.Hold || e.Reasons[0].Code != wire.ReasonStillHeld {
		t.Fatalf("after a restart R-1 scans: %s %v, want held again", e.Decision, e.Reasons)
	}
	if hs := q.SamplingHolds(); len(hs) != 2 || hs[0].Released == nil || hs[1].Entry.ID != held.ID {
		t.Fatalf("restored holds %+v", hs)
	}
}

func TestALaneRemembersAtMostItsBoundOfHoldsLettingTheOldestGo(t *testing.T) {
	p, _ := holdLane(t, closedCommunity(t), nil)
	hs := fullHolds()
	extra := hs[0]
	extra.ID, extra.Credential.Subject, extra.Visitor = "h-new", "R-NEW", nil
	p.RestoreHolds(append(hs, extra), nil)
	if n := len(p.SamplingHolds()); n != maxSamplingHolds {
		t.Fatalf("%d holds remembered, want %d", n, maxSamplingHolds)
	}
	out, _ := p.ApplyResults(context.Background(), []wire.TestResult{
		{ID: "a", Pass: "R-00000", Result: wire.ResultNegative, SampledAt: morning},
		{ID: "b", Pass: "R-NEW", Result: wire.ResultNegative, SampledAt: morning}})
	if len(out) != 1 || out[0].Amends != "h-new" {
		t.Fatalf("released %+v: the oldest hold was let go, the newest kept", out)
	}
}

func TestAResultReleasesOnlyAtTheLaneThatHeldThePersonAndTheHoldLeavesTheGuardsScreen(t *testing.T) {
	north, _ := holdLane(t, closedCommunity(t), nil)
	south, southLed := holdLane(t, closedCommunity(t), nil)
	ctx := context.Background()
	north.Screen(ctx, []byte("KAKOU1:PASS:R-1"))
	if open, _ := north.OnScreen(); len(open) != 0 {
		t.Fatalf("a hold waits on the guard's screen: %+v", open)
	}
	push := []wire.TestResult{{ID: "r", Pass: "R-1", Result: wire.ResultNegative, SampledAt: morning}}
	if out, _ := south.ApplyResults(ctx, push); len(out) != 0 || len(southLed.entries) != 0 {
		t.Fatal("a lane that held nobody wrote a release")
	}
	if out, _ := north.ApplyResults(ctx, push); len(out) != 1 {
		t.Fatal("the lane that held them did not release them")
	}
}

func TestResultsAndScansAtOnceKeepEveryHoldConsistent(t *testing.T) {
	p, led := holdLane(t, closedCommunity(t), nil)
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			p.ApplyResults(ctx, []wire.TestResult{{ID: fmt.Sprint(i), Pass: fmt.Sprintf("R-%d", i%10), Result: wire.ResultNegative, SampledAt: morning}})
		}
	}()
	for i := range 50 {
		p.Screen(ctx, []byte(fmt.Sprintf("KAKOU1:PASS:R-%d", i%10)))
	}
	<-done
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range p.sampling.holds {
		for _, k := range h.keys {
			if got := p.sampling.byKey[k]; (got == h) != (h.Released == nil) {
				t.Fatalf("hold %s: released %v, indexed %v", h.Entry.ID, h.Released != nil, got == h)
			}
		}
	}
	releases := 0
	for _, e := range led.entries {
		if e.Decision == wire.Allow {
			releases++
		}
	}
	if released := len(p.sampling.holds) - len(pendingOf(p)); releases != released {
		t.Fatalf("%d release entries, %d holds released", releases, released)
	}
}

func pendingOf(p *Pipeline) []*SamplingHold {
	var out []*SamplingHold
	for _, h := range p.sampling.holds {
		if h.Released == nil {
			out = append(out, h)
		}
	}
	return out
}
