package staff

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

var at = time.Date(2026, 12, 7, 4, 30, 0, 0, time.UTC)

func school(n int) store.StaffRoster {
	r := store.StaffRoster{Site: "school", Version: 3, UpdatedAt: at, UpdatedBy: "教务处"}
	for i := range n {
		r.Members = append(r.Members, wire.StaffMember{ID: fmt.Sprintf("P%06d", i), Name: "张**", Group: wire.GroupPupil,
			Class: fmt.Sprintf("%d年级%d班", i%6+1, i%12+1)})
	}
	return r
}

func TestTheCurrentRoundIsTheLatestOpenOneOfTheSitesUnits(t *testing.T) {
	morning := wire.StaffRound{Day: "2026-12-07", Round: "晨检", Rounds: 3, EndsAt: at.Add(-3 * time.Hour)}
	noon := wire.StaffRound{Day: "2026-12-07", Round: "午检", Rounds: 3, EndsAt: at.Add(time.Hour)}
	// gate-2's status is older but names the open round; gate-1 last
	// spoke before noon, from a unit that is offline since.
	r, open := CurrentRound([]store.UnitRound{{Unit: "gate-1", Round: morning, SeenAt: at.Add(-2 * time.Hour)},
		{Unit: "gate-2", Round: noon, SeenAt: at.Add(-time.Minute)}}, at)
	if !open || r.Round != "午检" {
		t.Fatalf("%+v %v", r, open)
	}
	if r, open := CurrentRound([]store.UnitRound{{Unit: "gate-1", Round: morning, SeenAt: at}}, at); open || r.Round != "晨检" {
		t.Fatalf("an ended round: %+v %v", r, open)
	}
	if _, open := CurrentRound(nil, at); open {
		t.Fatal("no unit, yet a round")
	}
}

func TestComputeCountsEachPersonOnceAndKeepsAFever(t *testing.T) {
	round := wire.StaffRound{Day: "2026-12-07", Round: "午检", Rounds: 3, EndsAt: at.Add(time.Hour)}
	sc := func(id, unit string, fever bool, roundName string) store.StaffCheckRow {
		return store.StaffCheckRow{StaffCheck: wire.StaffCheck{ID: id, Round: roundName, Day: "2026-12-07"}, Unit: unit, At: at, Fever: fever, TempC: 38}
	}
	rc := Compute("school", school(3), []store.UnitRound{{Unit: "gate-1", Round: round, SeenAt: at}},
		[]store.StaffCheckRow{sc("P000000", "gate-1", false, "午检"), sc("P000000", "gate-2", false, "午检"),
			sc("P000001", "gate-1", true, "午检"), sc("P000001", "gate-2", false, "午检"), sc("P000002", "gate-1", false, "晨检"),
			sc("P999999", "gate-1", false, "午检")}, at)
	if rc.Checked != 2 || len(rc.Unchecked) != 1 || rc.Unchecked[0].ID != "P000002" || len(rc.Fevers) != 1 || rc.Fevers[0].Unit != "gate-1" {
		t.Fatalf("%+v", rc)
	}
}

func TestARosterOverTheMessageCapIsRefusedBeforePublishing(t *testing.T) {
	if _, err := Roster("gate-1", school(3000)); err != nil {
		t.Fatalf("a school of 3,000: %v", err)
	}
	big := school(wire.MaxStaff)
	for i := range big.Members {
		big.Members[i].Class = "一二三四五六七八九十一二三四五六" // 16 characters, 48 bytes
		big.Members[i].ID = fmt.Sprintf("P%031d", i)
	}
	if _, err := Roster("gate-1", big); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a roster over the cap: %v", err)
	}
}

// BenchmarkCompute4000 is the centre's roll call of a school of 4,000
// with three rounds of checks on record.
func BenchmarkCompute4000(b *testing.B) {
	ro := school(wire.MaxStaff)
	round := wire.StaffRound{Day: "2026-12-07", Round: "午检", Rounds: 3, EndsAt: at.Add(time.Hour)}
	var checks []store.StaffCheckRow
	for _, name := range []string{"晨检", "午检", "晚检"} {
		for _, m := range ro.Members {
			checks = append(checks, store.StaffCheckRow{StaffCheck: wire.StaffCheck{ID: m.ID, Round: name, Day: "2026-12-07"}, Unit: "gate-1", At: at})
		}
	}
	rounds := []store.UnitRound{{Unit: "gate-1", Round: round, SeenAt: at}}
	for b.Loop() {
		Compute("school", ro, rounds, checks, at)
	}
}
