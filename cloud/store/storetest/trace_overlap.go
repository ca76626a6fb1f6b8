package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// behaveTraceOverlap holds both backends to the overlap rule
// (store.TraceLookback): for the window 09:00-10:00 a person who came in
// at 08:30 and left at 09:30 was inside and counts, though they entered
// before it; one who left at 08:50, or exactly at 09:00, does not; one
// never seen leaving counts unless they came in more than the lookback
// before; one admitted at 10:00 is after it. A minimum stay of 30 minutes
// keeps the hour-long stay and the open visit (lasting to the window's
// end) and drops a ten-minute one.
func behaveTraceOverlap(t *testing.T, c conf) {
	at := func(unit string, seq uint64, lane wire.Lane, when time.Time, subject string) wire.Entry {
		e := Entry("site-a", unit, seq)
		e.Lane, e.Time, e.Credential.Subject = lane, when, subject
		return e
	}
	hm := func(h, m int) time.Time { return time.Date(2022, 4, 1, h, m, 0, 0, time.UTC) }
	c.put(Received,
		at("in", 1, wire.LaneIn, hm(8, 30), "A"), at("out", 1, wire.LaneOut, hm(9, 30), "A"), // across the start
		at("in", 2, wire.LaneIn, hm(8, 10), "B"), at("out", 2, wire.LaneOut, hm(8, 50), "B"), // gone before
		at("in", 3, wire.LaneIn, hm(8, 20), "C"),                                             // never seen leaving
		at("in", 4, wire.LaneIn, hm(9, 10), "D"), at("out", 4, wire.LaneOut, hm(9, 20), "D"), // ten minutes inside
		at("in", 5, wire.LaneIn, hm(10, 0), "E"),                                            // at the end: after it
		at("in", 6, wire.LaneIn, hm(8, 40), "F"), at("out", 6, wire.LaneOut, hm(9, 0), "F"), // left as it began
		at("in", 7, wire.LaneIn, hm(9, 0).Add(-store.TraceLookback-time.Minute), "G"), // a missed exit scan
	)
	q := store.TraceQuery{Site: "site-a", Since: hm(9, 0), Until: hm(10, 0)}
	ids := func(q store.TraceQuery) []string {
		got, err := c.s.Trace(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, v := range got {
			out = append(out, v.Subject)
		}
		return out
	}
	if got, want := ids(q), []string{"C", "A", "D"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Trace 09:00-10:00 = %v, want %v (entered before the end, left after the start or never)", got, want)
	}
	q.StayEnd = hm(8, 0) // a server clock behind the units': no minimum, no one dropped
	if got, want := ids(q), []string{"C", "A", "D"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Trace with no minimum stay, asked before the entries = %v, want %v", got, want)
	}
	q.StayEnd = time.Time{}
	q.MinStay = 30 * time.Minute
	if got, want := ids(q), []string{"C", "A"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Trace with a 30 min minimum stay = %v, want %v", got, want)
	}
	q.StayEnd = hm(9, 5) // asked at 09:05: C has been inside 45 minutes so far
	q.MinStay = 50 * time.Minute
	if got, want := ids(q), []string{"A"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Trace asked at 09:05 with a 50 min minimum stay = %v, want %v", got, want)
	}
}
