package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// BusySite is a day at a busy site: 5,000 people go in through five
// gates and out through five others two hours later, 10,000 entries in
// all, each with its own pass.
func BusySite() []wire.Entry {
	var out []wire.Entry
	seqs := map[string]uint64{}
	add := func(unit string, lane wire.Lane, at time.Time, subject string) {
		seqs[unit]++
		e := Entry("busy", unit, seqs[unit])
		e.Lane, e.Time, e.Credential.Subject = lane, at, subject
		out = append(out, e)
	}
	for k := range 5000 {
		in := T0.Add(time.Duration(k) * 17 * time.Second)
		subject := fmt.Sprintf("P-%05d", k)
		add(fmt.Sprintf("in-%d", k%5), wire.LaneIn, in, subject)
		add(fmt.Sprintf("out-%d", k%5), wire.LaneOut, in.Add(2*time.Hour), subject)
	}
	return out
}

// BenchTrace traces the busy site's day: the first 1,000 visits, as the
// API asks, and all 5,000, the most the store returns; and the day after,
// which reads the day's 5,000 admissions and their exits (store.TraceLookback)
// to keep the few who left after midnight: the cost of counting those who
// came in before the window.
func BenchTrace(b *testing.B, s Store) {
	all := BusySite()
	for len(all) > 0 {
		n := min(len(all), 1000)
		if _, err := s.PutEntries(ctx, all[:n], Received); err != nil {
			b.Fatal(err)
		}
		all = all[n:]
	}
	for _, bb := range []struct {
		name  string
		limit int
		day   int // 1: the day after, when the lookback reads 5,000 admissions and keeps those who left after midnight
	}{{"visits=1000", 0, 0}, {"visits=5000", store.MaxTraceLimit, 0}, {"day_after_lookback", 0, 1}} {
		b.Run(bb.name, func(b *testing.B) {
			since := T0.Add(time.Duration(bb.day) * 24 * time.Hour)
			q := store.TraceQuery{Site: "busy", Since: since, Until: since.Add(24 * time.Hour), Limit: bb.limit}
			for b.Loop() {
				got, err := s.Trace(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				for _, v := range got {
					if bb.day == 1 && !v.LeftAt.After(since) {
						b.Fatalf("the day after: %+v, who left the day before", v)
					}
				}
				if bb.day == 0 && (len(got) < 1000 || got[0].LeftAt.IsZero()) {
					b.Fatalf("%d visits, the first %+v; want every visit with its exit", len(got), got[0])
				}
			}
		})
	}
}
