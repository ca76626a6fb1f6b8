package store

import "math"

// The overlap rule of contact tracing (docs/product.md "Contact tracing":
// who was at place X within a time window): a visit counts when the
// person was inside at some moment of the window, that is admitted before
// the window ends and gone after it starts, or never seen leaving. A
// person admitted at 07:00 who left at 09:30 was there for a case's
// 09:00-10:00 window, though they came in before it.

// TraceLookback is how long before a window's start an admission may be
// and still count, when its exit is after the start or unknown: the week
// a visit may stay open (VisitWindow). Older admissions without an exit
// are a missed scan at the exit, not a person inside.
const TraceLookback = VisitWindow

// TraceBounds are the values both backends bind for q: admissions from
// enteredFrom, exits after since, a stay of at least minStay nanoseconds
// with an open visit ending at stayEnd.
func (q TraceQuery) TraceBounds() (enteredFrom, since, until, stayEnd, minStay int64) {
	end := q.StayEnd
	if end.IsZero() || end.After(q.Until) {
		end = q.Until
	}
	minStay = int64(q.MinStay)
	if minStay <= 0 {
		// No minimum: every stay passes, even an open visit whose unit's
		// clock ran ahead of StayEnd.
		minStay = math.MinInt64
	}
	return q.Since.Add(-TraceLookback).UnixNano(), q.Since.UnixNano(), q.Until.UnixNano(),
		end.UnixNano(), minStay
}
