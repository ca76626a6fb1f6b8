package storetest

import (
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// VisitOf is entry seq of unit at site: a visitor admitted with a visit
// whose code is prefix and seq, allowed to stay maxStay.
func VisitOf(site, unit string, seq uint64, prefix int, maxStay time.Duration) wire.Entry {
	e := Visiting(site, unit, seq, PersonID, PersonPhone)
	e.Visit = &wire.Visit{Prefix: prefix, MaxStaySeconds: int64(maxStay / time.Second)}
	e.Visit.Number(seq)
	return e
}

// Exit is entry seq of an exit lane unit at site closing a visit as c
// says, made at T0 plus seq minutes.
func Exit(site, unit string, seq uint64, c wire.CloseOut) wire.Entry {
	e := Entry(site, unit, seq)
	e.Lane, e.Credential, e.CloseOut = wire.LaneOut, wire.Credential{Kind: wire.CredentialNone}, &c
	return e
}

// Visits holds a backend to finding visits and their close-outs, and to
// raising an overstay alert once.
func Visits(t *testing.T, open func(*testing.T) Store) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, Store)
	}{
		{"a close-out from another lane closes the visit it names, in any order", behaveVisitClosedAcrossLanes},
		{"a code from another site or an unknown one closes nothing", behaveVisitNotClosedByStrangers},
		{"an overstay raises one alert", behaveOverstayOnce},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

func visits(t *testing.T, s Store, site string) map[string]store.VisitRow {
	t.Helper()
	rows, err := store.Visits(ctx, s, store.VisitQuery{Site: site, Since: T0.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.VisitRow{}
	for _, r := range rows {
		out[r.EntryID] = r
	}
	return out
}

func behaveVisitClosedAcrossLanes(t *testing.T, s Store) {
	a := VisitOf("garden", "gate-in", 1, 3, 4*time.Hour)
	b := VisitOf("garden", "gate-in", 2, 3, 4*time.Hour)
	c := VisitOf("garden", "gate-in", 3, 3, 4*time.Hour)
	d := VisitOf("garden", "gate-in", 4, 3, 4*time.Hour)
	d.Visitor.PhoneHash = wire.PersonHash(PeopleKey, "phone", "13900000000")
	exits := []wire.Entry{
		Exit("garden", "gate-out", 30, wire.CloseOut{Unit: "gate-in", Seq: 1, Code: a.Visit.Code, MatchedBy: wire.MatchedByCode}),
		Exit("garden", "gate-out", 40, wire.CloseOut{Code: b.Visit.Code, MatchedBy: wire.MatchedByCode}),
		Exit("garden", "gate-out", 50, wire.CloseOut{MatchedBy: wire.MatchedByPhone, Key: d.Visitor.PhoneHash}),
	}
	// The exits arrive first: the entrance was offline.
	if _, err := s.PutEntries(ctx, exits, Received.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutEntries(ctx, []wire.Entry{a, b, c, d}, Received.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got := visits(t, s, "garden")
	for _, want := range []struct {
		id, exit, by string
		stay         time.Duration
	}{
		{a.ID, "gate-out-30", wire.MatchedByCode, 29 * time.Minute},
		{b.ID, "gate-out-40", wire.MatchedByCode, 38 * time.Minute},
		{c.ID, "", "", 0},
		{d.ID, "gate-out-50", wire.MatchedByPhone, 46 * time.Minute},
	} {
		v, ok := got[want.id]
		if !ok || v.ExitID != want.exit || v.MatchedBy != want.by || (want.exit != "" && v.Stay(T0) != want.stay) {
			t.Errorf("visit %s: %+v, want closed by %q (%s) after %s", want.id, v, want.exit, want.by, want.stay)
		}
	}
	if v := got[c.ID]; !v.Inside() || v.Name != "李四" || v.Phone != "138****5678" || v.Code != c.Visit.Code {
		t.Errorf("the visit still inside reads %+v", v)
	}
}

func behaveVisitNotClosedByStrangers(t *testing.T, s Store) {
	a := VisitOf("garden", "gate-in", 1, 3, 0)
	other := VisitOf("mall", "door-1", 1, 3, 0) // the same code at another site
	put := []wire.Entry{a, other,
		Exit("mall", "door-out", 10, wire.CloseOut{Code: a.Visit.Code, MatchedBy: wire.MatchedByCode}),
		Exit("garden", "gate-out", 11, wire.CloseOut{Code: "399999", MatchedBy: wire.MatchedByCode}),
		Exit("garden", "gate-out", 12, wire.CloseOut{Unit: "gate-in", Seq: 99, MatchedBy: wire.MatchedByCode}),
		// An exit before the visit began cannot close it.
		Exit("garden", "gate-out", 0+1, wire.CloseOut{Code: a.Visit.Code, MatchedBy: wire.MatchedByCode})}
	put[len(put)-1].Time = T0.Add(-time.Hour)
	if _, err := s.PutEntries(ctx, put, Received); err != nil {
		t.Fatal(err)
	}
	if v := visits(t, s, "garden")[a.ID]; !v.Inside() {
		t.Errorf("garden's visit closed by %s", v.ExitID)
	}
	if v := visits(t, s, "mall")[other.ID]; v.ExitID != "door-out-10" {
		t.Errorf("the mall's own exit did not close its visit: %+v", v)
	}
}

func behaveOverstayOnce(t *testing.T, s Store) {
	long := VisitOf("garden", "gate-in", 1, 3, time.Hour)
	short := VisitOf("garden", "gate-in", 2, 3, 4*time.Hour)
	left := VisitOf("garden", "gate-in", 3, 3, time.Hour)
	out := Exit("garden", "gate-out", 20, wire.CloseOut{Visit: left.ID, MatchedBy: wire.MatchedByCode})
	if _, err := s.PutEntries(ctx, []wire.Entry{long, short, left, out}, Received); err != nil {
		t.Fatal(err)
	}
	now := T0.Add(2 * time.Hour)
	for i := range 3 {
		raised, err := store.RaiseOverstays(ctx, s, "garden", now.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int]int{0: 1}[i]; len(raised) != want {
			t.Fatalf("sweep %d raised %d alerts (%+v), want %d", i, len(raised), raised, want)
		}
	}
	alerts, err := s.Alerts(ctx, store.AlertQuery{Site: "garden"})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Kind != "overstay" || alerts[0].EntryID != long.ID {
		t.Fatalf("alerts %+v, want one overstay for %s", alerts, long.ID)
	}
}
