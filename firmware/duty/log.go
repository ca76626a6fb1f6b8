package duty

import (
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// ErrNotDue says a duty has no turn left to log today; the console
// answers it with 409 and the message in Chinese and English.
var ErrNotDue = errors.New("duty: no turn of this duty is left today")

// ErrUnknown says the running policy lists no such duty.
var ErrUnknown = errors.New("duty: the policy in force lists no such duty")

// Pick is the turn a guard's log of duty id at now fulfils: the earliest
// turn open now and not yet logged, or else the next one today (a round
// done a little early counts; refusing it would only teach guards to wait
// for the reminder). A turn whose window has closed is not offered: it
// was missed, and a late log must not turn a missed round into a done one.
func Pick(duties []policy.Duty, id string, now time.Time, records []wire.Entry) (Turn, error) {
	known := false
	var next *Turn
	for _, t := range Board(duties, now, records) {
		if t.Duty != id {
			continue
		}
		known = true
		switch {
		case t.State == Due:
			return t, nil
		case t.State == Upcoming && next == nil:
			next = &t
		}
	}
	switch {
	case !known:
		return Turn{}, fmt.Errorf("%w: %q", ErrUnknown, id)
	case next == nil:
		return Turn{}, ErrNotDue
	}
	return *next, nil
}

// Record is what the ledger keeps for t, done (or, with missed, found
// missed) by the guard named guardName.
func (t Turn) Record(guardName, note string, missed bool) wire.Record {
	return wire.Record{Kind: wire.RecordDuty, GuardName: guardName, Note: note,
		Duty: &wire.Duty{ID: t.Duty, Name: t.Name, Day: t.Day, Slot: t.Slot, Missed: missed}}
}

// Overdue lists the turns of yesterday and today whose window closed
// after notBefore and before now with no record at all: the unit records
// each as missed, so the centre hears of a round nobody did even when no
// guard looks at the console. Yesterday is included for the turns that
// close at midnight and for a unit that restarted after they closed.
// notBefore keeps a unit from accusing the guards of rounds that closed
// before it was in service: the unit passes the time of its last entry
// before it started (it was watching then), or its start. records must
// reach back to the start of yesterday.
func Overdue(duties []policy.Duty, now, notBefore time.Time, records []wire.Entry) []Turn {
	logged := index(records)
	y, m, d := now.Date()
	var out []Turn
	for _, day := range []time.Time{time.Date(y, m, d-1, 12, 0, 0, 0, now.Location()), now} {
		for _, t := range Schedule(duties, day) {
			if _, ok := logged[key{t.Duty, t.Day, t.Slot}]; !ok && !now.Before(t.Until) && t.Until.After(notBefore) {
				t.State = Missed
				out = append(out, t)
			}
		}
	}
	return out
}

// StartOfYesterday is how far back Overdue needs records.
func StartOfYesterday(now time.Time) time.Time {
	y, m, d := now.Date()
	return time.Date(y, m, d-1, 0, 0, 0, 0, now.Location())
}
