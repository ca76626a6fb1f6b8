package duty

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

var shanghai = time.FixedZone("CST", 8*3600)

func at(day int, hh, mm int) time.Time { return time.Date(2026, 12, day, hh, mm, 0, 0, shanghai) }

var duties = []policy.Duty{
	{ID: "gate-disinfection", Name: "大门消毒", At: []string{"08:00", "12:00", "18:00"}, Window: "2h"},
	{ID: "lift-buttons", Name: "电梯按键消毒", TimesPerDay: 2},
}

// logged is the record a guard's log of t at when leaves in the ledger.
func logged(t Turn, when time.Time, guard string, missed bool) wire.Entry {
	r := t.Record(guard+"名", "", missed)
	return wire.Entry{ID: fmt.Sprintf("%s-%s-%s", t.Duty, t.Slot, guard), Time: when, Guard: guard, Record: &r}
}

func states(turns []Turn) string {
	s := ""
	for _, t := range turns {
		s += fmt.Sprintf("%s@%s=%s ", t.Duty, t.Slot, t.State)
	}
	return s
}

func TestBoardRemindsTheOpenTurnAndCountsAClosedOneMissed(t *testing.T) {
	now := at(7, 12, 30)
	morning := Schedule(duties, now)[0]
	got := states(Board(duties, now, []wire.Entry{logged(morning, at(7, 8, 10), "g1", false)}))
	want := "gate-disinfection@08:00=done gate-disinfection@12:00=due gate-disinfection@18:00=upcoming " +
		"lift-buttons@1/2=due lift-buttons@2/2=due "
	if got != want {
		t.Fatalf("board at 12:30:\n got %s\nwant %s", got, want)
	}
	b := Board(duties, at(7, 14, 0), nil)
	if b[0].State != Missed || b[1].State != Missed {
		t.Fatalf("at 14:00 with nothing logged the 08:00 and 12:00 rounds are missed: %s", states(b))
	}
}

func TestBoardSaysWhoDidTheTurnAndWhen(t *testing.T) {
	first := Schedule(duties, at(7, 0, 0))[0]
	e := logged(first, at(7, 8, 5), "g-07", false)
	e.Record.Note = "84消毒液"
	turn := Board(duties, at(7, 9, 0), []wire.Entry{e})[0]
	if turn.By != "g-07" || turn.ByName != "g-07名" || !turn.At.Equal(at(7, 8, 5)) || turn.Note != "84消毒液" || turn.Entry != e.ID {
		t.Fatalf("done turn = %+v", turn)
	}
}

func TestPickFulfilsTheOpenTurnThenTheNextAndRefusesWhenNoneIsLeft(t *testing.T) {
	now := at(7, 9, 0)
	var records []wire.Entry
	var slots []string
	for range 3 {
		turn, err := Pick(duties, "gate-disinfection", now, records)
		if err != nil {
			t.Fatal(err)
		}
		slots = append(slots, turn.Slot)
		records = append(records, logged(turn, now, "g1", false))
	}
	if fmt.Sprint(slots) != "[08:00 12:00 18:00]" {
		t.Fatalf("three logs at 09:00 fulfilled %v", slots)
	}
	if _, err := Pick(duties, "gate-disinfection", now, records); !errors.Is(err, ErrNotDue) {
		t.Fatalf("a fourth log: %v, want ErrNotDue", err)
	}
	if _, err := Pick(duties, "mop-floor", now, nil); !errors.Is(err, ErrUnknown) {
		t.Fatalf("an unknown duty: %v, want ErrUnknown", err)
	}
}

func TestPickNeverTurnsAMissedRoundIntoADoneOne(t *testing.T) {
	turn, err := Pick(duties, "gate-disinfection", at(7, 10, 30), nil)
	if err != nil || turn.Slot != "12:00" {
		t.Fatalf("a log at 10:30, after the 08:00 window closed, fulfilled %q (%v); want 12:00", turn.Slot, err)
	}
}

func TestOverdueListsEachClosedTurnOnceAndOnlyWhileInService(t *testing.T) {
	now := at(8, 10, 30) // the next morning
	since := StartOfYesterday(now)
	all := Overdue(duties, now, since, nil)
	if got := states(all); got != "gate-disinfection@08:00=missed gate-disinfection@12:00=missed gate-disinfection@18:00=missed "+
		"lift-buttons@1/2=missed lift-buttons@2/2=missed gate-disinfection@08:00=missed " {
		t.Fatalf("overdue: %s", got)
	}
	var records []wire.Entry
	for _, turn := range all {
		records = append(records, logged(turn, now, "", true))
	}
	if again := Overdue(duties, now, since, records); len(again) != 0 {
		t.Fatalf("recorded misses are listed again: %s", states(again))
	}
	if fresh := Overdue(duties, now, at(8, 9, 0), nil); states(fresh) != "gate-disinfection@08:00=missed " {
		t.Fatalf("a unit in service since 09:00 blames only the round that closed at 10:00: %s", states(fresh))
	}
}

func TestSheetListsVisitorsInsideAndOnlyUnsettledOpenEntries(t *testing.T) {
	since := at(7, 8, 0)
	visitor := wire.Entry{ID: "v1", Time: at(7, 9, 0), Decision: wire.Allow, Visitor: &wire.Visitor{Name: "张三丰"}}
	recheck := wire.Entry{ID: "r1", Time: at(7, 10, 0), Decision: wire.Recheck}
	settledRecheck := wire.Entry{ID: "r2", Time: at(7, 10, 1), Decision: wire.Recheck}
	amend := wire.Entry{ID: "a1", Time: at(7, 10, 2), Decision: wire.Allow, Amends: "r2"}
	refer := wire.Entry{ID: "f1", Time: at(7, 11, 0), Decision: wire.Refer}
	overridden := wire.Entry{ID: "g1", Time: at(7, 11, 1), Decision: wire.Register}
	override := wire.Entry{ID: "o1", Time: at(7, 11, 2), Decision: wire.Allow, Override: &wire.Override{Replaces: "g1"}}
	denied := wire.Entry{ID: "d1", Time: at(7, 11, 3), Decision: wire.Deny}
	notable := []wire.Entry{recheck, settledRecheck, amend, refer, overridden, override, denied}
	s := NewSheet(since, map[wire.Decision]int{wire.Allow: 3}, notable, []wire.Entry{visitor})
	if len(s.Inside) != 1 || s.Inside[0].Name != "张**" || s.Inside[0].Entry != "v1" {
		t.Fatalf("inside = %+v; want the visitor, name masked", s.Inside)
	}
	var open []string
	for _, r := range s.Open {
		open = append(open, r.Entry+":"+string(r.Decision))
	}
	if fmt.Sprint(open) != "[r1:recheck f1:refer]" {
		t.Fatalf("open = %v; want the unsettled re-check and the referral", open)
	}
}

func TestShiftRecordCutsLongListsButKeepsTheirTotals(t *testing.T) {
	var inside []wire.Entry
	for i := range wire.MaxSheetRows + 5 {
		inside = append(inside, wire.Entry{ID: fmt.Sprint("v", i), Visitor: &wire.Visitor{Name: "李四"}})
	}
	r := NewSheet(at(7, 8, 0), nil, nil, inside).Record("王", "g-08", "李", "")
	if len(r.Shift.Inside) != wire.MaxSheetRows || r.Shift.InsideTotal != wire.MaxSheetRows+5 || r.Shift.Incoming != "g-08" {
		t.Fatalf("shift = %d rows of %d", len(r.Shift.Inside), r.Shift.InsideTotal)
	}
}

func TestShiftStartsAtTheLastHandOver(t *testing.T) {
	hand := wire.Entry{Time: at(7, 8, 0), Record: &wire.Record{Kind: wire.RecordShift, Shift: &wire.Shift{}}}
	if got := ShiftStart([]wire.Entry{{Time: at(7, 7, 0)}, hand, {Time: at(7, 9, 0)}}, at(7, 0, 0), "g-07"); !got.Equal(hand.Time) {
		t.Fatalf("shift start %s, want the hand-over's %s", got, hand.Time)
	}
	if got := ShiftStart(nil, at(7, 0, 0), "g-07"); !got.Equal(at(7, 0, 0)) {
		t.Fatalf("without a hand-over the shift starts with the day, got %s", got)
	}
}

func TestAShiftThatBeganAtYesterdaysSignInStartsThere(t *testing.T) {
	signIn := func(guard string, e wire.Entry) wire.Entry {
		e.Guard, e.Record = guard, &wire.Record{Kind: wire.RecordSignIn}
		return e
	}
	hand := wire.Entry{Time: at(7, 8, 0), Record: &wire.Record{Kind: wire.RecordShift, Shift: &wire.Shift{}}}
	yesterday := at(7, 0, 0).Add(-16 * time.Hour) // a 24-hour gate's shift began at 08:00 yesterday
	cases := []struct {
		name    string
		notable []wire.Entry
		want    time.Time
	}{
		{"signed in yesterday, no hand-over since", []wire.Entry{signIn("g-07", wire.Entry{Time: yesterday})}, yesterday},
		{"a sign-in before the last hand-over is the last shift's", []wire.Entry{signIn("g-07", wire.Entry{Time: at(7, 7, 0)}), hand}, hand.Time},
		{"a sign-in after the hand-over", []wire.Entry{hand, signIn("g-07", wire.Entry{Time: at(7, 8, 5)})}, hand.Time},
		{"signed in this morning, no hand-over: the day", []wire.Entry{signIn("g-07", wire.Entry{Time: at(7, 8, 5)})}, at(7, 0, 0)},
		{"someone else's sign-in", []wire.Entry{hand, signIn("g-08", wire.Entry{Time: at(7, 8, 5)})}, hand.Time},
	}
	for _, c := range cases {
		if got := ShiftStart(c.notable, at(7, 0, 0), "g-07"); !got.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
