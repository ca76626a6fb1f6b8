package screening

import (
	"context"
	"testing"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

func TestLogTakesTheNextSeqAndLeavesThePersonOnScreen(t *testing.T) {
	var decided []wire.Entry
	led := &memLedger{}
	p, err := New(fixedThermo{t: policy.Celsius(36.8)}, sim.Must(nil), led, options(&decided))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fever, err := p.Screen(ctx, []byte("KAKOU1:PASS:R-0001"))
	if err != nil || fever.Decision != wire.Recheck {
		t.Fatalf("screen: %+v %v", fever, err)
	}
	rec := wire.Record{Kind: wire.RecordDuty, Duty: &wire.Duty{ID: "gate", Name: "大门消毒", Day: "2026-12-07", Slot: "08:00"}}
	e, err := p.Log(ctx, rec, "g-07")
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 2 || e.Guard != "g-07" || e.Decision != "" || e.PolicyVersion == "" || e.Lane != wire.LaneIn {
		t.Fatalf("record entry = %+v", e)
	}
	if len(decided) != 1 {
		t.Fatalf("a record was shown as a result (Decided called %d times): it would open the gate", len(decided))
	}
	t365 := policy.Celsius(36.5)
	again, err := p.Override(ctx, fever.ID, Overrule{Decision: wire.Allow, By: "g-07", Reason: "手持复测正常", Temperature: &t365})
	if err != nil || again.Seq != 3 || again.Decision != wire.Allow {
		t.Fatalf("the guard's re-check after a duty log went to %+v, %v; want the person on screen re-decided", again, err)
	}
}
