// Package duty is the guards' side of a shift that is not a person at the
// gate: the duty log (which routine duty is due, done or missed, by the
// running policy's list) and the hand-over sheet at a change of shift.
// It is pure: it reads the records and entries the ledger holds and says
// what they mean; the console serves it and the unit writes the records.
package duty

import (
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// State is where a turn of a duty stands.
type State string

const (
	Upcoming State = "upcoming" // its window has not opened
	Due      State = "due"      // open now: remind the guard
	Done     State = "done"     // a guard logged it
	Missed   State = "missed"   // its window closed without a log
)

// Turn is one time a duty is due on one day: gate disinfection at 12:00,
// or the second of two rounds of the lift buttons.
type Turn struct {
	Duty  string    `json:"duty"`
	Name  string    `json:"name"`
	Day   string    `json:"day"`
	Slot  string    `json:"slot"`
	From  time.Time `json:"from"`
	Until time.Time `json:"until"`
	State State     `json:"state"`
	// Who logged it and when, for a done turn (Entry is the record's id);
	// a missed turn the unit has recorded has Entry set too.
	By     string     `json:"by,omitempty"`
	ByName string     `json:"by_name,omitempty"`
	At     *time.Time `json:"at,omitempty"`
	Entry  string     `json:"entry,omitempty"`
	Note   string     `json:"note,omitempty"`
}

// Schedule lists the turns of duties on the local day that contains day,
// in the policy's order, every turn Upcoming.
func Schedule(duties []policy.Duty, day time.Time) []Turn {
	y, m, d := day.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, day.Location())
	next := time.Date(y, m, d+1, 0, 0, 0, 0, day.Location())
	date := midnight.Format(time.DateOnly)
	var out []Turn
	for _, du := range duties {
		t := Turn{Duty: du.ID, Name: du.Name, Day: date, State: Upcoming}
		window, _ := du.Window.Parse()
		for _, at := range du.At {
			off, _ := policy.Clock(at)
			from := midnight.Add(off)
			t.Slot, t.From, t.Until = at, from, from.Add(window)
			out = append(out, t)
		}
		// n turns a day: turn k opens at the k-th n-th of the day (by the
		// wall clock) and may be done until the day ends.
		for k := range du.TimesPerDay {
			t.Slot = fmt.Sprintf("%d/%d", k+1, du.TimesPerDay)
			t.From = midnight.Add(next.Sub(midnight) * time.Duration(k) / time.Duration(du.TimesPerDay))
			t.Until = next
			out = append(out, t)
		}
	}
	return out
}

// key names one turn across records.
type key struct{ duty, day, slot string }

// Board is the day's turns as they stand at now, with each turn's record
// from records (the ledger's records of the day; other entries are
// skipped). A turn whose window has closed is Missed whether or not the
// unit has written its missed record yet.
func Board(duties []policy.Duty, now time.Time, records []wire.Entry) []Turn {
	turns := Schedule(duties, now)
	logged := index(records)
	for i := range turns {
		settle(&turns[i], logged, now)
	}
	return turns
}

func index(records []wire.Entry) map[key]wire.Entry {
	out := map[key]wire.Entry{}
	for _, e := range records {
		if e.Record == nil || e.Record.Duty == nil {
			continue
		}
		d := e.Record.Duty
		k := key{d.ID, d.Day, d.Slot}
		if prev, ok := out[k]; ok && !prev.Record.Duty.Missed {
			continue // the first log of a turn is the one that did it
		}
		out[k] = e
	}
	return out
}

func settle(t *Turn, logged map[key]wire.Entry, now time.Time) {
	if e, ok := logged[key{t.Duty, t.Day, t.Slot}]; ok {
		at := e.Time
		t.Entry, t.At, t.By, t.ByName, t.Note = e.ID, &at, e.Guard, e.Record.GuardName, e.Record.Note
		t.State = Done
		if e.Record.Duty.Missed {
			t.State, t.By, t.ByName, t.At = Missed, "", "", nil
		}
		return
	}
	switch {
	case !now.Before(t.Until):
		t.State = Missed
	case !now.Before(t.From):
		t.State = Due
	}
}
