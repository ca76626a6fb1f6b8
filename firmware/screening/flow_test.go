package screening

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// supermarket is the shipped supermarket policy: capacity check hard, at
// most 200 inside.
func supermarket(t *testing.T) func() policy.Policy {
	t.Helper()
	pol, err := policy.Load(filepath.Join("..", "..", "configs", "policies", "supermarket-normal.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return func() policy.Policy { return pol }
}

func openLedger(t *testing.T, path string) *ledger.Ledger {
	t.Helper()
	led, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	return led
}

// newShopLane is a supermarket lane over the real ledger led.
func newShopLane(t *testing.T, led Ledger, lane wire.Lane) *Pipeline {
	t.Helper()
	var decided []wire.Entry
	o := options(&decided)
	o.Lane, o.Policy, o.Site = lane, supermarket(t), "riverside-market"
	o.NewID = func() string { return fmt.Sprintf("shop-%d", ids.Add(1)) } // unique across a restart
	p, err := New(fixedThermo{t: policy.Celsius(36.1)}, blockedScanner{}, led, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var ids atomic.Int64

// grant is the gateway's flow seq: a full shop of 200 that lets this lane
// admit allowance people after its entry afterSeq.
func grant(seq, afterSeq uint64, allowance int) wire.Flow {
	return wire.Flow{Schema: wire.SchemaVersion, Site: "riverside-market", Unit: "north-gate", Seq: seq,
		Occupancy: 200 - allowance, Capacity: 200, Waiting: 2, AfterSeq: afterSeq, Allowance: allowance}
}

func setFlow(t *testing.T, p *Pipeline, f wire.Flow) {
	t.Helper()
	if _, err := p.SetFlow(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

func screen(t *testing.T, p *Pipeline, code string) wire.Entry {
	t.Helper()
	e, err := p.Screen(context.Background(), []byte(code))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func entries(t *testing.T, led *ledger.Ledger) []wire.Entry {
	t.Helper()
	es, err := led.Entries(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestAFullSiteHoldsThePersonUntilTheGatewayGrantsAPlace(t *testing.T) {
	led := openLedger(t, filepath.Join(t.TempDir(), "ledger.db"))
	p := newShopLane(t, led, wire.LaneIn)
	setFlow(t, p, grant(1, 0, 0))
	held := screen(t, p, "KAKOU1:PASS:S-0001")
	if held.Decision != wire.Wait || !hasReason(held.Reasons, policy.ReasonFull.Code) {
		t.Fatalf("with no place left: %s %v, want wait capacity_full", held.Decision, held.Reasons)
	}
	if h := p.Held(); h == nil || h.Entry.ID != held.ID {
		t.Fatalf("held %+v, want the person just told to wait", h)
	}
	if c := p.Count(); c == nil || c.Occupancy != 200 || c.Capacity != 200 || c.Waiting != 2 || c.Remaining != 0 {
		t.Fatalf("count for the guard: %+v", c)
	}

	// The retained flow again, or an old one: not newer.
	if taken, err := p.SetFlow(context.Background(), grant(1, 0, 5)); taken || err != nil || p.Held() == nil || len(entries(t, led)) != 1 {
		t.Fatal("a flow that is not newer released the person")
	}
	setFlow(t, p, grant(2, 0, 1)) // someone left: one place for this lane
	es := entries(t, led)
	if len(es) != 2 {
		t.Fatalf("ledger has %d entries, want the wait and the admission", len(es))
	}
	in := es[1]
	if in.Decision != wire.Allow || in.Reasons[0].Code != "admitted_after_wait" || in.Reasons[0].ZH != "等候后放行" {
		t.Fatalf("released: %s %v, want allow admitted_after_wait first", in.Decision, in.Reasons)
	}
	if in.Credential.Subject != "S-0001" || in.Temperature == nil || in.Temperature.RawC != held.Temperature.RawC {
		t.Fatalf("released entry %+v is not the held person's screening", in)
	}
	if p.Held() != nil {
		t.Fatal("still held after admission")
	}
	if e := screen(t, p, "KAKOU1:PASS:S-0002"); e.Decision != wire.Wait {
		t.Fatalf("the one place was used; the next person: %s, want wait", e.Decision)
	}
}

func TestAdmissionsAfterTheFlowsAfterSeqCountAcrossARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	led := openLedger(t, path)
	p := newShopLane(t, led, wire.LaneIn)
	setFlow(t, p, grant(1, 0, 3))
	for i, want := range []wire.Decision{wire.Allow, wire.Allow} {
		if e := screen(t, p, "KAKOU1:PASS:S-1"); e.Decision != want {
			t.Fatalf("person %d: %s, want %s", i+1, e.Decision, want)
		}
	}
	if c := p.Count(); c.Remaining != 1 {
		t.Fatalf("remaining after 2 of 3: %d", c.Remaining)
	}
	led.Close()

	led = openLedger(t, path) // the unit restarts: only the ledger remembers
	p = newShopLane(t, led, wire.LaneIn)
	setFlow(t, p, grant(5, 1, 2)) // the gateway has stored seq 1; seq 2 is paid out of this grant
	if c := p.Count(); c.Remaining != 1 {
		t.Fatalf("after the restart: remaining %d, want 1 (seq 2 counted from the ledger)", c.Remaining)
	}
	if e := screen(t, p, "KAKOU1:PASS:S-3"); e.Decision != wire.Allow || e.Seq != 3 {
		t.Fatalf("third person: %s seq %d", e.Decision, e.Seq)
	}
	if e := screen(t, p, "KAKOU1:PASS:S-4"); e.Decision != wire.Wait {
		t.Fatalf("fourth person: %s, want wait", e.Decision)
	}
	// The gateway has now stored seqs 1-4: nothing of this lane's is in
	// flight, and one place is free.
	setFlow(t, p, grant(6, 4, 1))
	es := entries(t, led)
	if last := es[len(es)-1]; len(es) != 5 || last.Decision != wire.Allow || last.Credential.Subject != "S-4" {
		t.Fatalf("ledger after the new grant: %d entries, last %+v", len(es), last)
	}
}

func TestAnExitLaneNeverWaits(t *testing.T) {
	led := openLedger(t, filepath.Join(t.TempDir(), "ledger.db"))
	p := newShopLane(t, led, wire.LaneOut)
	setFlow(t, p, grant(1, 0, 0))
	for range 3 {
		if e := screen(t, p, "KAKOU1:PASS:S-1"); e.Decision != wire.Allow || p.Held() != nil {
			t.Fatalf("exit: %s, held %v", e.Decision, p.Held())
		}
	}
	if p.Count() != nil {
		t.Fatal("an exit lane took a flow")
	}
}

func TestWithoutACappedFlowThePolicyGetsNoCount(t *testing.T) {
	for _, tc := range []struct {
		name string
		flow *wire.Flow
	}{
		{"no gateway", nil},
		{"gateway without a cap", &wire.Flow{Schema: wire.SchemaVersion, Site: "riverside-market", Unit: "north-gate",
			Seq: 1, Occupancy: 350}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			led := openLedger(t, filepath.Join(t.TempDir(), "ledger.db"))
			p := newShopLane(t, led, wire.LaneIn)
			if tc.flow != nil {
				setFlow(t, p, *tc.flow)
			}
			for range 3 {
				e := screen(t, p, "KAKOU1:PASS:S-1")
				if e.Decision != wire.Allow || !hasReason(e.Reasons, policy.ReasonOccupancyUnknown.Code) {
					t.Fatalf("%s %v, want allow with occupancy_unknown", e.Decision, e.Reasons)
				}
			}
		})
	}
}

func TestTheGuardCancelsAHoldAndNothingIsLogged(t *testing.T) {
	led := openLedger(t, filepath.Join(t.TempDir(), "ledger.db"))
	p := newShopLane(t, led, wire.LaneIn)
	if _, err := p.Cancel(); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("cancel with nobody held: %v", err)
	}
	setFlow(t, p, grant(1, 0, 0))
	held := screen(t, p, "KAKOU1:PASS:S-1")
	if h, err := p.Cancel(); err != nil || h.Entry.ID != held.ID {
		t.Fatalf("cancel: %+v %v", h, err)
	}
	if p.Held() != nil {
		t.Fatal("still held after cancel")
	}
	setFlow(t, p, grant(2, 0, 1))
	if es := entries(t, led); len(es) != 1 || es[0].Decision != wire.Wait {
		t.Fatalf("ledger after cancel and a new grant: %+v; the person who left must not be admitted", es)
	}
}

// scripted hands out codes, reports each Scan call and ends with io.EOF.
type scripted struct {
	codes chan string
	calls atomic.Int32
}

func (s *scripted) Scan(ctx context.Context) ([]byte, error) {
	s.calls.Add(1)
	select {
	case c, ok := <-s.codes:
		if !ok {
			return nil, io.EOF
		}
		return []byte(c), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// blockedScanner never yields a code; the tests call Screen themselves.
type blockedScanner struct{}

func (blockedScanner) Scan(ctx context.Context) ([]byte, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestRunTakesNoScanWhileAPersonIsHeld(t *testing.T) {
	led := openLedger(t, filepath.Join(t.TempDir(), "ledger.db"))
	sc := &scripted{codes: make(chan string, 2)}
	var decided []wire.Entry
	o := options(&decided)
	o.Policy, o.Site = supermarket(t), "riverside-market"
	p, err := New(fixedThermo{t: policy.Celsius(36.1)}, sc, led, o)
	if err != nil {
		t.Fatal(err)
	}
	setFlow(t, p, grant(1, 0, 0))
	sc.codes <- "KAKOU1:PASS:S-1"
	sc.codes <- "KAKOU1:PASS:S-2"
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	testenv.Await(t, "someone held", 30*time.Second, func() bool { return p.Held() != nil })
	if n := sc.calls.Load(); n != 1 {
		t.Fatalf("%d scans taken while S-1 waits, want 1", n)
	}
	close(sc.codes)
	setFlow(t, p, grant(2, 0, 1)) // S-1 goes in; S-2 finds the shop full, then the stream ends
	testenv.Await(t, "S-2 screened and held", 30*time.Second, func() bool {
		h := p.Held()
		return h != nil && h.Entry.Credential.Subject == "S-2"
	})
	p.Cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, e := range entries(t, led) {
		got = append(got, e.Credential.Subject+":"+string(e.Decision))
	}
	if want := "[S-1:wait S-1:allow S-2:wait]"; want != fmt.Sprint(got) {
		t.Fatalf("ledger %v, want %s", got, want)
	}
}

func TestAHoldTimesOutAndTheLaneTakesTheNextScan(t *testing.T) {
	led := openLedger(t, filepath.Join(t.TempDir(), "ledger.db"))
	sc := &scripted{codes: make(chan string, 2)}
	var decided []wire.Entry
	o := options(&decided)
	o.Policy, o.Site, o.HoldTimeout = supermarket(t), "riverside-market", time.Millisecond
	p, err := New(fixedThermo{t: policy.Celsius(36.1)}, sc, led, o)
	if err != nil {
		t.Fatal(err)
	}
	setFlow(t, p, grant(1, 0, 0))
	sc.codes <- "KAKOU1:PASS:S-1"
	sc.codes <- "KAKOU1:PASS:S-2"
	close(sc.codes)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if es := entries(t, led); len(es) != 2 || es[1].Credential.Subject != "S-2" || es[1].Decision != wire.Wait {
		t.Fatalf("ledger %+v: want both people told to wait, one after the other", es)
	}
}

// TestAnEntranceAwaitingItsGatewayAdmitsNobodyBeforeTheFirstFlow: an
// entrance configured as behind a gateway holds the first person until the
// gateway's first flow, which releases them; without AwaitFlow the same
// person is let in with the count unknown, as a lone unit would.
func TestAnEntranceAwaitingItsGatewayAdmitsNobodyBeforeTheFirstFlow(t *testing.T) {
	led := openLedger(t, filepath.Join(t.TempDir(), "ledger.db"))
	var decided []wire.Entry
	o := options(&decided)
	o.Lane, o.Policy, o.Site, o.AwaitFlow = wire.LaneIn, supermarket(t), "riverside-market", true
	o.NewID = func() string { return fmt.Sprintf("await-%d", ids.Add(1)) }
	p, err := New(fixedThermo{t: policy.Celsius(36.1)}, blockedScanner{}, led, o)
	if err != nil {
		t.Fatal(err)
	}
	if e := screen(t, p, "KAKOU1:PASS:S-0001"); e.Decision != wire.Wait || !hasReason(e.Reasons, policy.ReasonFull.Code) {
		t.Fatalf("before any flow: %s %v, want wait capacity_full", e.Decision, e.Reasons)
	}
	setFlow(t, p, grant(1, 0, 1))
	if es := entries(t, led); len(es) != 2 || es[1].Decision != wire.Allow || es[1].Reasons[0].Code != "admitted_after_wait" {
		t.Fatalf("after the first flow the ledger holds %+v, want the wait and the admission", es)
	}

	lone := newShopLane(t, openLedger(t, filepath.Join(t.TempDir(), "ledger.db")), wire.LaneIn)
	if e := screen(t, lone, "KAKOU1:PASS:S-0002"); e.Decision != wire.Allow {
		t.Fatalf("a lane not awaiting a gateway: %s %v, want allow", e.Decision, e.Reasons)
	}
}
