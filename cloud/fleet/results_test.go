package fleet

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

// resultsSetup is a store with units at two sites, estate (gate-1, gate-2
// and its gateway) and mart (door-1), each site holding someone.
func resultsSetup(t *testing.T) (*Results, *sqlite.Store, *rawRecorder, wire.Entry, wire.Entry) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for _, u := range []wire.Status{{Site: "estate", Unit: "gate-1"}, {Site: "estate", Unit: "gate-2"},
		{Site: "estate", Unit: "gw", Role: wire.RoleGateway}, {Site: "mart", Unit: "door-1"}} {
		u.Schema, u.State = wire.SchemaVersion, wire.Online
		if err := st.PutStatus(ctx, u, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	now := storetest.T0.Add(2 * time.Hour)
	atEstate := storetest.HoldOf("estate", "gate-1", 1, "P-1")
	atMart := storetest.HoldOf("mart", "door-1", 1, "P-2")
	if _, err := st.PutEntries(ctx, []wire.Entry{atEstate, atMart}, now); err != nil {
		t.Fatal(err)
	}
	rec := &rawRecorder{last: map[string][]byte{}}
	within := func(scope, site string) bool { return scope == "" || scope == "east" && site == "estate" }
	r := NewResults(st, rec, within, nil)
	r.now = func() time.Time { return now }
	return r, st, rec, atEstate, atMart
}

func result(id, pass, res, scope string) store.TestResult {
	return store.TestResult{Result: wire.TestResult{ID: id, Pass: pass, Result: res,
		SampledAt: storetest.T0.Add(time.Hour)}, Scope: scope, By: "op", RecordedAt: storetest.T0.Add(2 * time.Hour)}
}

func push(t *testing.T, rec *rawRecorder, site, unit string) *wire.ResultPush {
	t.Helper()
	rec.mu.Lock()
	b := rec.last[wire.ResultsTopic(site, unit)]
	rec.mu.Unlock()
	if b == nil {
		return nil
	}
	p, err := wire.DecodeResultPush(b)
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestANegativeResultGoesSignedToTheUnitsOfTheSiteHoldingThePerson(t *testing.T) {
	r, _, rec, hold, _ := resultsSetup(t)
	pub, key, _ := ed25519.GenerateKey(nil)
	r.SignWith(key)
	got, err := r.Record(context.Background(), result("r1", "P-1", wire.ResultNegative, ""))
	if err != nil || !got.New || len(got.Holds) != 1 || got.Holds[0].EntryID != hold.ID {
		t.Fatalf("recorded %+v (%v), want P-1's hold at estate", got, err)
	}
	for _, unit := range []string{"gate-1", "gate-2"} {
		p := push(t, rec, "estate", unit)
		if p == nil || len(p.Results) != 1 || p.Results[0].Pass != "P-1" || p.Version != got.Result.Seq {
			t.Fatalf("push to estate/%s: %+v", unit, p)
		}
		if err := wire.VerifyResults(p, pub); err != nil {
			t.Fatalf("push to estate/%s: %v", unit, err)
		}
	}
	if push(t, rec, "estate", "gw") != nil || push(t, rec, "mart", "door-1") != nil {
		t.Fatal("a push went to the gateway's own topic or to a site that holds nobody it names")
	}
	n := rec.count
	if err := r.Reconcile(context.Background()); err != nil || rec.count != n {
		t.Fatalf("reconcile published %d again (%v); the units have this version", rec.count-n, err)
	}
	again, _ := r.Record(context.Background(), result("r1", "P-1", wire.ResultNegative, ""))
	if again.New {
		t.Fatal("the same result id recorded twice")
	}
}

func TestAResultGoesOnlyToSitesInTheOperatorsRegion(t *testing.T) {
	r, _, rec, _, _ := resultsSetup(t)
	got, err := r.Record(context.Background(), result("r1", "P-2", wire.ResultNegative, "east"))
	if err != nil || len(got.Holds) != 0 {
		t.Fatalf("an east operator's result reached mart: %+v (%v)", got.Holds, err)
	}
	if push(t, rec, "mart", "door-1") != nil {
		t.Fatal("pushed to a site outside the operator's region")
	}
}

func TestAPositiveResultReleasesNobodyAndRaisesAnAlert(t *testing.T) {
	r, st, rec, hold, _ := resultsSetup(t)
	if _, err := r.Record(context.Background(), result("r1", "P-1", wire.ResultPositive, "")); err != nil {
		t.Fatal(err)
	}
	if rec.count != 0 {
		t.Fatalf("a positive result was pushed %d times", rec.count)
	}
	as, _ := st.Alerts(context.Background(), store.AlertQuery{Site: "estate"})
	if len(as) != 1 || as[0].Kind != store.KindTestPositive || as[0].EntryID != hold.ID || as[0].Severity != store.SeverityHigh {
		t.Fatalf("alerts %+v, want one high test_positive on the hold", as)
	}
	r.Record(context.Background(), result("r1", "P-1", wire.ResultPositive, ""))
	if as, _ := st.Alerts(context.Background(), store.AlertQuery{Site: "estate"}); len(as) != 1 {
		t.Fatalf("the same positive result alerted %d times", len(as))
	}
}

func TestAHoldArrivingAfterItsResultIsSentTheResultByTheReconciler(t *testing.T) {
	r, st, rec, _, _ := resultsSetup(t)
	r.Record(context.Background(), result("r1", "P-3", wire.ResultNegative, ""))
	if rec.count != 0 {
		t.Fatal("pushed a result that names nobody held")
	}
	late := storetest.HoldOf("estate", "gate-2", 1, "P-3")
	if _, err := st.PutEntries(context.Background(), []wire.Entry{late}, storetest.T0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := r.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p := push(t, rec, "estate", "gate-2"); p == nil || p.Results[0].Pass != "P-3" {
		t.Fatalf("after the late hold: %+v", p)
	}
}
