package api

import (
	"context"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// dutyRecord is a guard's log of duty id's turn slot on the fixture's day
// at unit, made at the given time; missed: the unit found it missed.
func dutyRecord(site, unit string, seq uint64, at time.Time, id, slot string, missed bool) wire.Entry {
	e := entry(site, unit, seq, at)
	e.Decision, e.Reasons, e.Temperature = "", nil, nil
	e.Credential = wire.Credential{Kind: wire.CredentialNone}
	if !missed {
		e.Guard = "guard-7"
	}
	e.Record = &wire.Record{Kind: wire.RecordDuty, GuardName: "王师傅",
		Duty: &wire.Duty{ID: id, Name: "大门消毒", Day: "2022-04-01", Slot: slot, Missed: missed}}
	return e
}

// dutyDayAtTheEstate: a person, the 08:00 disinfection done, the 12:00
// one missed, and a hand-over in the evening; the mart logs nothing.
func dutyDayAtTheEstate(t *testing.T, f *fixture) {
	t.Helper()
	err := f.store.PutSites(context.Background(), []store.Site{{ID: "estate", Name: "幸福小区", Facility: "community"},
		{ID: "mart", Name: "华联超市", Facility: "supermarket"}})
	if err != nil {
		t.Fatal(err)
	}
	day := func(hh, mm int) time.Time { return time.Date(2022, 4, 1, hh, mm, 0, 0, cst) }
	shift := dutyRecord("estate", "gate-1", 4, day(20, 30), "x", "x", false)
	shift.Record = &wire.Record{Kind: wire.RecordShift, GuardName: "王师傅", Shift: &wire.Shift{Incoming: "guard-8",
		Since: day(8, 0), Counts: map[wire.Decision]int{wire.Allow: 1}, InsideTotal: 2, OpenTotal: 1,
		Inside: []wire.SheetRow{{Entry: "gate-1-1", Time: day(8, 10), Name: "张*"}},
		Open:   []wire.SheetRow{{Entry: "gate-1-9", Time: day(9, 0), Decision: wire.Recheck}}}}
	f.put(t, entry("estate", "gate-1", 1, day(8, 10)),
		dutyRecord("estate", "gate-1", 2, day(8, 5), "gate-disinfection", "08:00", false),
		dutyRecord("estate", "gate-1", 3, day(14, 0), "gate-disinfection", "12:00", true), shift,
		entry("mart", "door-1", 1, day(9, 0)))
}

func TestDutiesAPIListsWhoDidWhatAndWhatWasMissedPerSite(t *testing.T) {
	f := newFixture(t)
	dutyDayAtTheEstate(t, f)
	var got struct {
		Date  string       `json:"date"`
		Sites []siteDuties `json:"sites"`
	}
	if code := f.get(t, "/api/v1/duties?date=2022-04-01", &got); code != 200 {
		t.Fatalf("duties: %d", code)
	}
	if got.Date != "2022-04-01" || len(got.Sites) != 2 || got.Sites[0].Site != "estate" {
		t.Fatalf("duties: %+v", got)
	}
	estate, mart := got.Sites[0], got.Sites[1]
	if estate.Due != 2 || len(estate.Done) != 1 || len(estate.Missed) != 1 {
		t.Fatalf("estate: %+v", estate)
	}
	if d := estate.Done[0]; d.Slot != "08:00" || d.By != "guard-7" || d.ByName != "王师傅" || d.At.Hour() != 8 {
		t.Fatalf("done turn: %+v", d)
	}
	if m := estate.Missed[0]; m.Slot != "12:00" || m.Name != "大门消毒" || m.By != "" {
		t.Fatalf("missed turn: %+v", m)
	}
	if len(estate.HandOvers) != 1 || estate.HandOvers[0].Incoming != "guard-8" || estate.HandOvers[0].InsideTotal != 2 {
		t.Fatalf("hand-overs: %+v", estate.HandOvers)
	}
	if mart.Due != 0 || len(mart.Done)+len(mart.Missed)+len(mart.HandOvers) != 0 {
		t.Fatalf("mart logged nothing: %+v", mart)
	}
	if code := f.get(t, "/api/v1/duties?date=2022-03-31", &got); code != 200 || got.Sites[0].Due != 0 {
		t.Fatalf("the day before: %d %+v", code, got.Sites)
	}
	if code := f.get(t, "/api/v1/duties?date=yesterday", nil); code != 400 {
		t.Fatalf("a date that is not one: %d, want 400", code)
	}
}

func TestRecordsAreNotInTheEntriesFeed(t *testing.T) {
	f := newFixture(t)
	dutyDayAtTheEstate(t, f)
	var got struct{ Entries []entryJSON }
	if code := f.get(t, "/api/v1/entries?site=estate", &got); code != 200 || len(got.Entries) != 1 || got.Entries[0].ID != "gate-1-1" {
		t.Fatalf("entries feed: %d %+v; want the one person", code, got.Entries)
	}
}

func TestAMissedDutyAppearsInTheDailyReport(t *testing.T) {
	f := newFixture(t)
	dutyDayAtTheEstate(t, f)
	var rep report.Report
	if code := f.get(t, "/api/v1/reports/daily?date=2022-04-02", &rep); code != 200 {
		t.Fatalf("report: %d", code)
	}
	estate := rep.Sites[0]
	if estate.Site != "estate" || estate.DutiesDone != 1 || estate.DutiesDue != 2 || estate.DutiesMissed != "大门消毒" {
		t.Fatalf("estate's duty log in the report: %+v", estate)
	}
	if estate.Total != 1 || !estate.ZeroReport {
		t.Fatalf("records counted as traffic or spoiled the zero report: %+v", estate)
	}
}
