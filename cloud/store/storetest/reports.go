package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// ReportStore is a backend with what named reports need of it: the
// delivery runs and attempts, and every site's visits in one read.
type ReportStore interface {
	Store
	store.ReportRuns
	store.AllVisitReader
}

// Reports holds a backend to the named reports' contract (store/reports.go).
func Reports(t *testing.T, open func(*testing.T) ReportStore) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, ReportStore)
	}{
		{"a run is claimed by one holder until its lease ends", behaveClaimOneHolder},
		{"a finished run is claimed by no one and is the last run", behaveFinishedRun},
		{"concurrent claims: exactly one wins", behaveConcurrentClaims},
		{"delivery attempts are listed newest first, per date", behaveDeliveriesListed},
		{"every site's visits in one read match each site's own", behaveAllVisits},
		{"an override counts as 人工放行 only when it let someone in", behaveOverrideAdmit},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

func claim(t *testing.T, s ReportStore, holder string, now time.Time) bool {
	t.Helper()
	ok, err := s.ClaimReportRun(ctx, "daily", "2022-04-01", holder, now, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func behaveClaimOneHolder(t *testing.T, s ReportStore) {
	if !claim(t, s, "a", T0) {
		t.Fatal("the first claim failed")
	}
	if claim(t, s, "b", T0.Add(30*time.Second)) {
		t.Error("b claimed a run a holds under an unexpired lease")
	}
	if !claim(t, s, "a", T0.Add(30*time.Second)) {
		t.Error("a could not renew its own lease")
	}
	if !claim(t, s, "b", T0.Add(2*time.Minute)) {
		t.Error("b could not take the run after a's lease ended")
	}
	if err := s.FinishReportRun(ctx, "daily", "2022-04-01", "a", T0.Add(2*time.Minute)); err == nil {
		t.Error("a finished a run b now holds")
	}
}

func behaveFinishedRun(t *testing.T, s ReportStore) {
	if last, err := s.LastReportRun(ctx, "daily"); err != nil || last != "" {
		t.Fatalf("last run before any = %q, %v", last, err)
	}
	for _, date := range []string{"2022-03-31", "2022-04-01"} {
		if ok, err := s.ClaimReportRun(ctx, "daily", date, "a", T0, T0.Add(time.Minute)); !ok || err != nil {
			t.Fatalf("claim %s: %v %v", date, ok, err)
		}
		if err := s.FinishReportRun(ctx, "daily", date, "a", T0); err != nil {
			t.Fatal(err)
		}
	}
	if claim(t, s, "b", T0.Add(time.Hour)) || claim(t, s, "a", T0) {
		t.Error("a finished run was claimed again")
	}
	if last, err := s.LastReportRun(ctx, "daily"); err != nil || last != "2022-04-01" {
		t.Errorf("last run = %q, %v", last, err)
	}
	if last, _ := s.LastReportRun(ctx, "zero"); last != "" {
		t.Errorf("another report's last run = %q", last)
	}
}

func behaveConcurrentClaims(t *testing.T, s ReportStore) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Go(func() {
			ok, err := s.ClaimReportRun(ctx, "daily", "2022-04-01", string(rune('a'+i)), T0, T0.Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d collectors claimed one run, want exactly 1", won)
	}
}

func behaveDeliveriesListed(t *testing.T, s ReportStore) {
	for i, d := range []store.Delivery{
		{Report: "daily", Date: "2022-03-31", Recipient: "office", Attempt: 1, OK: true},
		{Report: "daily", Date: "2022-04-01", Recipient: "office", Attempt: 1, Error: "connection refused"},
		{Report: "daily", Date: "2022-04-01", Recipient: "office", Attempt: 2, OK: true},
		{Report: "zero", Date: "2022-04-01", Recipient: "office", Attempt: 1, OK: true},
	} {
		d.At, d.By = T0.Add(time.Duration(i)*time.Minute), "collector-1"
		if err := s.PutDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Deliveries(ctx, store.DeliveryQuery{Report: "daily"})
	if err != nil || len(all) != 3 {
		t.Fatalf("deliveries %+v, %v", all, err)
	}
	if all[0].Attempt != 2 || !all[0].OK || !all[0].At.Equal(T0.Add(2*time.Minute)) || all[0].By != "collector-1" {
		t.Errorf("newest %+v", all[0])
	}
	if all[1].Error != "connection refused" || all[1].OK {
		t.Errorf("failed attempt %+v", all[1])
	}
	day, _ := s.Deliveries(ctx, store.DeliveryQuery{Report: "daily", Date: "2022-03-31"})
	if len(day) != 1 || day[0].Date != "2022-03-31" {
		t.Errorf("one date's deliveries %+v", day)
	}
	if one, _ := s.Deliveries(ctx, store.DeliveryQuery{Report: "daily", Limit: 1}); len(one) != 1 {
		t.Errorf("limit 1 gave %d", len(one))
	}
}

func behaveAllVisits(t *testing.T, s ReportStore) {
	if _, err := s.PutEntries(ctx, []wire.Entry{
		VisitOf("garden", "gate-in", 1, 3, 4*time.Hour),
		VisitOf("garden", "gate-in", 2, 3, 4*time.Hour),
		VisitOf("market", "gate-in", 1, 5, 4*time.Hour),
		Entry("market", "gate-in", 2),
	}, Received); err != nil {
		t.Fatal(err)
	}
	g := VisitOf("garden", "gate-in", 1, 3, 4*time.Hour)
	if _, err := s.PutEntries(ctx, []wire.Entry{Exit("garden", "gate-out", 5, wire.CloseOut{Unit: "gate-in", Seq: 1, Code: g.Visit.Code, MatchedBy: wire.MatchedByCode})}, Received); err != nil {
		t.Fatal(err)
	}
	by, err := store.VisitsBySite(ctx, s, T0.Add(-time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, site := range []string{"garden", "market"} {
		one, err := store.Visits(ctx, s, store.VisitQuery{Site: site, Since: T0.Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(by[site]) != len(one) {
			t.Fatalf("%s: %d visits from the one read, %d from the site's", site, len(by[site]), len(one))
		}
		for i := range one {
			if by[site][i].EntryID != one[i].EntryID || by[site][i].Inside() != one[i].Inside() {
				t.Errorf("%s visit %d: %+v, want %+v", site, i, by[site][i], one[i])
			}
		}
	}
	if len(by["garden"]) != 2 || by["garden"][0].Inside() || !by["garden"][1].Inside() {
		t.Errorf("garden's visits %+v", by["garden"])
	}
}

func behaveOverrideAdmit(t *testing.T, s ReportStore) {
	admit := Entry("garden", "gate-in", 1)
	admit.Override = &wire.Override{By: "guard-1", Reason: "known resident"}
	deny := Entry("garden", "gate-in", 2)
	deny.Decision, deny.Override = wire.Deny, &wire.Override{By: "guard-1", Reason: "refused to show proof"}
	out := Entry("garden", "gate-out", 1)
	out.Lane, out.Override = wire.LaneOut, &wire.Override{By: "guard-1", Reason: "let out"}
	if _, err := s.PutEntries(ctx, []wire.Entry{admit, deny, out}, Received); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Rollups(ctx, store.RollupQuery{By: "site", Since: T0.Add(-time.Hour), Until: T0.Add(time.Hour), Whole: true})
	if err != nil || len(rows) != 1 {
		t.Fatalf("rollups %+v, %v", rows, err)
	}
	if got := rows[0].Counts; got[store.MetricOverride] != 3 || got[store.MetricOverrideAdmit] != 1 {
		t.Errorf("override %d, override_admit %d; want 3 and 1", got[store.MetricOverride], got[store.MetricOverrideAdmit])
	}
}
