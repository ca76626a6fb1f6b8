package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// HoldOf is entry seq of unit at site holding the pass holder subject
// for sampling.
func HoldOf(site, unit string, seq uint64, subject string) wire.Entry {
	e := Entry(site, unit, seq)
	e.Credential.Subject = subject
	e.Decision = wire.Hold
	e.Reasons = []wire.Reason{{Code: wire.ReasonHeld, ZH: "请前往采样点", EN: "go to the sampling point"}}
	return e
}

// ReleaseOf is entry seq of unit at site releasing the hold entry hold.
func ReleaseOf(site, unit string, seq uint64, hold wire.Entry) wire.Entry {
	e := Entry(site, unit, seq)
	e.Credential = hold.Credential
	e.Reasons = []wire.Reason{{Code: wire.ReasonReleased, ZH: "核酸结果阴性，放行", EN: "released after a negative result"}}
	e.Amends, e.Guard = hold.ID, "wang"
	return e
}

// ReturneeOf is entry seq of unit at site: a returnee registered at the
// gate and held for sampling.
func ReturneeOf(site, unit string, seq uint64, origin string) wire.Entry {
	e := Visiting(site, unit, seq, PersonID, PersonPhone)
	e.Decision = wire.Hold
	e.Reasons = []wire.Reason{{Code: wire.ReasonHeld, ZH: "请前往采样点", EN: "go to the sampling point"}}
	e.Returnee = &wire.Returnee{Origin: origin, Arrived: T0, Household: "3栋501", Travel: "G1234"}
	return e
}

// Holds holds a backend to finding holds and their releases, and to
// keeping test results once each.
func Holds(t *testing.T, open func(*testing.T) Store) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, Store)
	}{
		{"a release pairs with the hold it names, in any order, once", behaveHoldReleased},
		{"a release from another unit, or a re-hold, is no hold of its own", behaveHoldStrangers},
		{"a returnee's registration round-trips and is found with the holds", behaveReturneeStored},
		{"a result is kept once, numbered in the order recorded", behaveResultsOnce},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

func holds(t *testing.T, s Store, site string) map[string]store.HoldRow {
	t.Helper()
	rows, err := store.Holds(ctx, s, site, T0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.HoldRow{}
	for _, h := range rows {
		out[h.EntryID] = h
	}
	return out
}

func putAll(t *testing.T, s Store, es ...wire.Entry) {
	t.Helper()
	if _, err := s.PutEntries(ctx, es, Received); err != nil {
		t.Fatal(err)
	}
}

func behaveHoldReleased(t *testing.T, s Store) {
	h1, h2 := HoldOf("site-a", "gate-1", 1, "P-1"), HoldOf("site-a", "gate-1", 2, "P-2")
	rel := ReleaseOf("site-a", "gate-1", 3, h1)
	putAll(t, s, rel) // the release first: a backlog drains in any order
	putAll(t, s, h1, h2, Entry("site-a", "gate-1", 4))
	putAll(t, s, rel, h1) // re-sent
	got := holds(t, s, "site-a")
	if len(got) != 2 {
		t.Fatalf("holds %+v, want P-1's and P-2's", got)
	}
	if h := got[h1.ID]; h.Pending() || h.ReleaseID != rel.ID || h.ReleasedBy != "wang" || !h.ReleasedAt.Equal(rel.Time) || h.Pass != "P-1" {
		t.Errorf("P-1's hold %+v, want released by %s", h, rel.ID)
	}
	if h := got[h2.ID]; !h.Pending() || !h.HeldAt.Equal(h2.Time) {
		t.Errorf("P-2's hold %+v, want pending since %s", h, h2.Time)
	}
	if all := holds(t, s, ""); len(all) != 2 {
		t.Errorf("every site's holds: %d, want 2", len(all))
	}
	if other := holds(t, s, "site-b"); len(other) != 0 {
		t.Errorf("site-b has holds %+v", other)
	}
}

func behaveHoldStrangers(t *testing.T, s Store) {
	h := HoldOf("site-a", "gate-1", 1, "P-1")
	again := HoldOf("site-a", "gate-1", 2, "P-1")
	again.Reasons = []wire.Reason{{Code: wire.ReasonStillHeld, ZH: "待结果", EN: "still held"}}
	forged := ReleaseOf("site-a", "gate-2", 1, h) // another lane names gate-1's hold
	putAll(t, s, h, again, forged)
	got := holds(t, s, "site-a")
	if len(got) != 1 || !got[h.ID].Pending() {
		t.Fatalf("holds %+v, want gate-1's one hold, pending", got)
	}
}

func behaveReturneeStored(t *testing.T, s Store) {
	e := ReturneeOf("site-a", "gate-1", 1, "湖北省武汉市")
	putAll(t, s, e)
	rs, err := s.HoldEntries(ctx, "site-a", T0.Add(-time.Hour))
	if err != nil || len(rs) != 1 {
		t.Fatalf("hold entries %d (%v), want the returnee's", len(rs), err)
	}
	if r := rs[0].Returnee; r == nil || *r != *e.Returnee {
		t.Fatalf("returnee %+v, want %+v", r, e.Returnee)
	}
	h := holds(t, s, "site-a")[e.ID]
	if h.IDHash != e.Visitor.IDHash || h.PhoneHash != e.Visitor.PhoneHash || h.Returnee == nil {
		t.Fatalf("returnee's hold %+v lacks the keys a result names them by", h)
	}
}

func behaveResultsOnce(t *testing.T, s Store) {
	at := T0.Add(time.Hour)
	r := func(id, pass string) store.TestResult {
		return store.TestResult{Result: wire.TestResult{ID: id, Pass: pass, Result: wire.ResultNegative,
			SampledAt: T0}, Scope: "east", By: "op", RecordedAt: at}
	}
	first, isNew, err := s.PutResult(ctx, r("r1", "P-1"))
	if err != nil || !isNew || first.Seq == 0 {
		t.Fatalf("first result: %+v new=%v (%v)", first, isNew, err)
	}
	again, isNew, err := s.PutResult(ctx, r("r1", "P-9"))
	if err != nil || isNew || again.Seq != first.Seq || again.Result.Pass != "P-1" {
		t.Fatalf("the same id again: %+v new=%v (%v), want the first kept", again, isNew, err)
	}
	far := r("r2", "P-2")
	far.Result.SampledAt = time.Date(9998, 12, 31, 23, 59, 59, 0, time.UTC)
	second, _, err := s.PutResult(ctx, far)
	if err != nil || second.Seq <= first.Seq {
		t.Fatalf("second result: %+v (%v), want a larger seq than %d", second, err, first.Seq)
	}
	if _, _, err := s.PutResult(ctx, r("", "P-3")); !errors.Is(err, store.ErrResultShape) {
		t.Fatalf("a result without an id: %v", err)
	}
	all, err := s.Results(ctx, at)
	if err != nil || len(all) != 2 || all[0].Result.ID != "r1" || !all[1].Result.SampledAt.Equal(far.Result.SampledAt) ||
		all[0].Scope != "east" || all[0].By != "op" || !all[0].RecordedAt.Equal(at) {
		t.Fatalf("results %+v (%v)", all, err)
	}
	if later, _ := s.Results(ctx, at.Add(time.Second)); len(later) != 0 {
		t.Fatalf("results after they were recorded: %+v", later)
	}
}
