package send_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/report/send"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/cloud/store/postgres"
)

func TestSchedulerDeliversAtTheCutAndNotBefore(t *testing.T) {
	st := openStore(t)
	clock := &fakeClock{t: cut.Add(-time.Second)}
	rc := newReceiver(t, clock.now)
	s := newScheduler(t, st, "c1", clock, rc.sink("district", clock.now))
	// A cut already passed on first start is not the one due: yesterday's
	// is, and it is delivered; today's waits for 12:00.
	tick(t, s)
	if rc.got() != 1 || len(deliveries(t, st, "2026-11-22")) != 1 {
		t.Fatalf("before the cut: %d delivered, want yesterday's only", rc.got())
	}
	clock.set(cut)
	tick(t, s)
	tick(t, s)
	if rc.got() != 2 {
		t.Fatalf("at the cut: %d delivered in all, want 2", rc.got())
	}
	var body struct {
		Report, Date, Subject string
		Files                 []struct{ Name string }
	}
	if err := json.Unmarshal(rc.bodies[1], &body); err != nil {
		t.Fatal(err)
	}
	if body.Report != "zero" || body.Date != "2026-11-23" || body.Subject != "零报告 2026-11-22 12:00 — 2026-11-23 12:00" ||
		len(body.Files) != 2 || body.Files[0].Name != "kakou-zero-2026-11-23.csv" || body.Files[1].Name != "kakou-zero-2026-11-23.xlsx" {
		t.Errorf("webhook body %+v", body)
	}
	if rc.bad != 0 {
		t.Errorf("%d requests failed their signature check", rc.bad)
	}
}

// The collector stops after the cut and before delivering; the one that
// starts in its place (the same holder, or another once the lease ends)
// delivers the report once, and a recipient that already had it does not
// get it again.
func TestRestartBetweenCutAndDeliveryDeliversOnce(t *testing.T) {
	st := openStore(t)
	clock := &fakeClock{t: cut.Add(-time.Hour)}
	a, b := newReceiver(t, clock.now), newReceiver(t, clock.now)
	first := newScheduler(t, st, "c1", clock, a.sink("a", clock.now), b.sink("b", clock.now))
	tick(t, first) // yesterday's, to both
	b.fail(true)
	clock.set(cut.Add(time.Minute))
	tick(t, first) // today's reaches a; b is down; then c1 stops
	if a.got() != 2 || b.got() != 1 {
		t.Fatalf("a %d, b %d", a.got(), b.got())
	}
	b.fail(false)
	// Another collector, before c1's lease ends: nothing.
	second := newScheduler(t, st, "c2", clock, a.sink("a", clock.now), b.sink("b", clock.now))
	tick(t, second)
	if b.got() != 1 {
		t.Fatalf("c2 delivered under c1's lease")
	}
	// After it: c2 takes the run over and sends b the report, not a.
	clock.set(cut.Add(time.Hour))
	tick(t, second)
	tick(t, second)
	if a.got() != 2 || b.got() != 2 {
		t.Errorf("after the restart a %d, b %d; want 2 each", a.got(), b.got())
	}
	if last, _ := st.LastReportRun(ctx, "zero"); last != "2026-11-23" {
		t.Errorf("last run %q", last)
	}
}

// A collector down for days delivers every cut missed since the last one
// delivered, oldest first, but none older than the catch-up bound.
func TestMissedCutsAreDeliveredOldestFirstWithinTheBound(t *testing.T) {
	st := openStore(t)
	clock := &fakeClock{t: cut.Add(time.Minute)}
	rc := newReceiver(t, clock.now)
	s := newScheduler(t, st, "c1", clock, rc.sink("district", clock.now))
	tick(t, s) // 11-23 delivered
	clock.set(cut.Add(5*24*time.Hour + time.Minute))
	tick(t, s) // 11-24 … 11-28 missed; 72 h of catch-up reaches back to 11-26
	var dates []string
	for _, b := range rc.bodies {
		var body struct{ Date string }
		json.Unmarshal(b, &body)
		dates = append(dates, body.Date)
	}
	want := []string{"2026-11-23", "2026-11-26", "2026-11-27", "2026-11-28"} // 11-25's cut is 72 h 1 min ago
	if len(dates) != len(want) {
		t.Fatalf("delivered %v, want %v", dates, want)
	}
	for i := range want {
		if dates[i] != want[i] {
			t.Fatalf("delivered %v, want %v", dates, want)
		}
	}
}

// The receiver is down: each attempt is logged, the next waits for the
// backoff, and once the receiver is back the report arrives and the run
// is done.
func TestReceiverDownThenUpIsRetriedWithBackoffUntilDelivered(t *testing.T) {
	st := openStore(t)
	clock := &fakeClock{t: cut.Add(time.Minute)}
	rc := newReceiver(t, clock.now)
	rc.fail(true)
	s := newScheduler(t, st, "c1", clock, rc.sink("district", clock.now))
	tick(t, s)
	tick(t, s) // within the backoff: no second attempt
	if n := len(deliveries(t, st, "2026-11-23")); n != 1 || rc.requests != 1 {
		t.Fatalf("%d attempts logged, %d made; want 1", n, rc.requests)
	}
	clock.set(clock.now().Add(time.Minute)) // backoff 1 min: attempt 2, fails
	tick(t, s)
	clock.set(clock.now().Add(time.Minute)) // backoff now 2 min: not yet
	tick(t, s)
	if rc.requests != 2 {
		t.Fatalf("%d attempts, want 2: the backoff doubles", rc.requests)
	}
	rc.fail(false)
	clock.set(clock.now().Add(time.Minute))
	tick(t, s)
	log := deliveries(t, st, "2026-11-23")
	if rc.got() != 1 || len(log) != 3 || !log[0].OK || log[0].Attempt != 3 || log[1].OK || log[1].Error == "" {
		t.Fatalf("got %d, log %+v", rc.got(), log)
	}
	clock.set(clock.now().Add(time.Hour))
	tick(t, s)
	if rc.got() != 1 {
		t.Errorf("delivered again after success: %d", rc.got())
	}
}

// Two collectors on one PostgreSQL tick at once, many times: the report
// reaches the recipient once.
func TestTwoCollectorsOnOnePostgresDeliverOnce(t *testing.T) {
	pg, err := postgres.Open(ctx, pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	clock := &fakeClock{t: cut.Add(time.Minute)}
	rc := newReceiver(t, clock.now)
	s1 := newScheduler(t, pg, "c1", clock, rc.sink("district", clock.now))
	s2 := newScheduler(t, pg, "c2", clock, rc.sink("district", clock.now))
	var wg sync.WaitGroup
	for _, s := range []*send.Scheduler{s1, s2} {
		wg.Go(func() {
			for range 5 {
				tick(t, s)
			}
		})
	}
	wg.Wait()
	if rc.got() != 1 || rc.requests != 1 {
		t.Errorf("delivered %d times in %d requests; want once", rc.got(), rc.requests)
	}
	log, err := pg.Deliveries(ctx, store.DeliveryQuery{Report: "zero"})
	if err != nil || len(log) != 1 || !log[0].OK {
		t.Errorf("delivery log %+v, %v", log, err)
	}
}

// The first run ever attempted fails until the next cut has passed: it
// is still delivered, before the next, not dropped because no run was
// ever finished.
func TestAFirstRunNeverFinishedIsNotDroppedAtTheNextCut(t *testing.T) {
	st := openStore(t)
	clock := &fakeClock{t: cut.Add(time.Minute)}
	rc := newReceiver(t, clock.now)
	rc.fail(true)
	s := newScheduler(t, st, "c1", clock, rc.sink("district", clock.now))
	tick(t, s)
	rc.fail(false)
	clock.set(cut.Add(24*time.Hour + time.Minute))
	tick(t, s)
	var dates []string
	for _, b := range rc.bodies {
		var body struct{ Date string }
		json.Unmarshal(b, &body)
		dates = append(dates, body.Date)
	}
	if len(dates) != 2 || dates[0] != "2026-11-23" || dates[1] != "2026-11-24" {
		t.Errorf("delivered %v, want 11-23 then 11-24", dates)
	}
}

// The collector restarts (same name) between claiming a run and finishing
// it: the new process holds the lease already and delivers at once, once.
func TestRestartOfTheSameCollectorDeliversAtOnceAndOnce(t *testing.T) {
	st := openStore(t)
	clock := &fakeClock{t: cut.Add(time.Minute)}
	rc := newReceiver(t, clock.now)
	if ok, err := st.ClaimReportRun(ctx, "zero", "2026-11-23", "c1", clock.now(), clock.now().Add(time.Hour)); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err) // the first process claimed, then died
	}
	s := newScheduler(t, st, "c1", clock, rc.sink("district", clock.now))
	tick(t, s)
	tick(t, s)
	if rc.got() != 1 {
		t.Errorf("delivered %d times, want once", rc.got())
	}
}
