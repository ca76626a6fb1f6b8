package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// DutyRecord is a guard's duty log of unit at site: duty id's turn slot
// on T0's day, done by guard-7 (or, with missed, found missed), made at
// T0 plus seq minutes like Entry.
func DutyRecord(site, unit string, seq uint64, id, slot string, missed bool) wire.Entry {
	e := Entry(site, unit, seq)
	e.Decision, e.Reasons, e.Temperature = "", nil, nil
	e.Credential = wire.Credential{Kind: wire.CredentialNone}
	e.Guard = "guard-7"
	if missed {
		e.Guard = ""
	}
	e.Record = &wire.Record{Kind: wire.RecordDuty, GuardName: "王师傅", Note: "84消毒液",
		Duty: &wire.Duty{ID: id, Name: "大门消毒", Day: T0.Format(time.DateOnly), Slot: slot, Missed: missed}}
	return e
}

// ShiftRecord is a hand-over at unit from guard-7 to guard-8.
func ShiftRecord(site, unit string, seq uint64) wire.Entry {
	e := DutyRecord(site, unit, seq, "x", "x", false)
	e.Record = &wire.Record{Kind: wire.RecordShift, GuardName: "王师傅", Shift: &wire.Shift{
		Incoming: "guard-8", Since: T0, Counts: map[wire.Decision]int{wire.Allow: 2},
		Inside: []wire.SheetRow{{Entry: "u1-1", Time: T0, Name: "张*"}}, InsideTotal: 1, Open: []wire.SheetRow{}}}
	return e
}

var recordBehaviours = []struct {
	name string
	run  func(t *testing.T, c conf)
}{
	{"a guard's records are stored, acknowledged and re-sent like entries", behaveRecordsDelivered},
	{"a guard's records are no traffic", behaveRecordsAreNoTraffic},
}

func behaveRecordsDelivered(t *testing.T, c conf) {
	batch := []wire.Entry{Entry("site-a", "u1", 1), DutyRecord("site-a", "u1", 2, "gate-disinfection", "08:00", false),
		ShiftRecord("site-a", "u1", 3)}
	if w := c.mark(Received, batch...); w.Seq != 3 {
		t.Fatalf("watermark %+v, want 3: records fill the unit's seqs", w)
	}
	res := c.put(Received.Add(time.Minute), batch[1], batch[2])
	if res.Inserted != 0 || len(res.Conflicts) != 0 {
		t.Fatalf("re-sent records: %+v, want nothing inserted and no conflict", res)
	}
	got := c.entries(store.Query{Site: "site-a", Records: true})
	if len(got) != 2 || got[0].ID != batch[2].ID || got[1].ID != batch[1].ID {
		t.Fatalf("records newest first: %v", got)
	}
	if !reflect.DeepEqual(got[1].Record, batch[1].Record) || got[1].Guard != "guard-7" {
		t.Fatalf("duty record read back as %+v (guard %q)", got[1].Record, got[1].Guard)
	}
	if s := got[0].Record.Shift; s == nil || s.Incoming != "guard-8" || s.Inside[0].Name != "张*" || s.Counts[wire.Allow] != 2 {
		t.Fatalf("shift record read back as %+v", got[0].Record)
	}
}

func behaveRecordsAreNoTraffic(t *testing.T, c conf) {
	c.put(Received, Entry("site-a", "u1", 1), DutyRecord("site-a", "u1", 2, "gate-disinfection", "08:00", false),
		DutyRecord("site-a", "u1", 3, "gate-disinfection", "12:00", true), ShiftRecord("site-a", "u1", 4))
	if ids := c.ids(store.Query{Site: "site-a"}); !reflect.DeepEqual(ids, []string{"u1-1"}) {
		t.Fatalf("the entries feed lists %v; want the one person", ids)
	}
	if n := c.units(T0.Add(-time.Hour))["u1"].EntriesToday; n != 1 {
		t.Fatalf("entries today %d, want 1", n)
	}
	rows := c.rollups(store.RollupQuery{Site: "site-a", By: "site", Since: T0.Add(-time.Hour), Until: T0.Add(time.Hour), Whole: true})
	if len(rows) != 1 {
		t.Fatalf("rollups %+v", rows)
	}
	want := map[string]int{"total": 1, "in": 1, "decision:allow": 1,
		"duty:gate-disinfection": 1, "duty_missed:gate-disinfection": 1, "shift": 1}
	if !reflect.DeepEqual(rows[0].Counts, want) {
		t.Fatalf("rollups %v, want %v", rows[0].Counts, want)
	}
}
