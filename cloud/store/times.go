package store

import (
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Times are kept as int64 nanoseconds since 1970 (see the package
// comment), which hold 1677 to 2262: a time outside wraps around and lands
// in the wrong hour, the wrong query and the retention purge. The two
// ranges below are the only places the store's limits are written down.

// TimeRange is [From, To).
type TimeRange struct{ From, To time.Time }

// Contains reports whether t is in r.
func (r TimeRange) Contains(t time.Time) bool { return !t.Before(r.From) && t.Before(r.To) }

// QueryTimes are the times a query may name: what the nanoseconds hold,
// from the Unix epoch (a Pi's clock before NTP) to the start of 2262.
var QueryTimes = TimeRange{From: time.Unix(0, 0).UTC(), To: time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)}

// ClockTimes are the times a unit's clock is believed when it says it is
// synced. Before 2000 is a clock that never synced whatever its flag says
// (a Pi boots in 1970); from 2200 on is a corrupt clock or a hostile
// unit. Either is counted by when the collector received the entry.
var ClockTimes = TimeRange{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
	To: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}

// EntryTS is the time every query uses (see the package comment): the
// unit's clock when it was synced and believable, else the receive time.
func EntryTS(e *wire.Entry, receivedAt time.Time) time.Time {
	if e.ClockSynced && ClockTimes.Contains(e.Time) {
		return e.Time
	}
	return receivedAt
}
