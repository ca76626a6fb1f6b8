package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// busySite is a day at a busy site: 5,000 people go in through five
// gates and out through five others two hours later, 10,000 entries in
// all, each with its own pass.
func busySite() []wire.Entry {
	var out []wire.Entry
	seqs := map[string]uint64{}
	add := func(unit string, lane wire.Lane, at time.Time, subject string) {
		seqs[unit]++
		e := entry("busy", unit, seqs[unit])
		e.Lane, e.Time, e.Credential.Subject = lane, at, subject
		out = append(out, e)
	}
	for k := range 5000 {
		in := t0.Add(time.Duration(k) * 17 * time.Second)
		subject := fmt.Sprintf("P-%05d", k)
		add(fmt.Sprintf("in-%d", k%5), wire.LaneIn, in, subject)
		add(fmt.Sprintf("out-%d", k%5), wire.LaneOut, in.Add(2*time.Hour), subject)
	}
	return out
}

// benchTrace traces the busy site's day: the first 1,000 visits, as the
// API asks, and all 5,000, the most the store returns.
func benchTrace(b *testing.B, s conformer) {
	all := busySite()
	for len(all) > 0 {
		n := min(len(all), 1000)
		if _, err := s.PutEntries(ctx, all[:n], received); err != nil {
			b.Fatal(err)
		}
		all = all[n:]
	}
	for _, bb := range []struct {
		name  string
		limit int
	}{{"visits=1000", 0}, {"visits=5000", MaxTraceLimit}} {
		b.Run(bb.name, func(b *testing.B) {
			q := TraceQuery{Site: "busy", Since: t0, Until: t0.Add(24 * time.Hour), Limit: bb.limit}
			for b.Loop() {
				got, err := s.Trace(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) < 1000 || got[0].LeftAt.IsZero() {
					b.Fatalf("%d visits, the first %+v; want every visit with its exit", len(got), got[0])
				}
			}
		})
	}
}

// BenchmarkTraceBusySite: who was at a site of 10,000 entries in a day,
// each with the time they left, on SQLite.
func BenchmarkTraceBusySite(b *testing.B) { benchTrace(b, openTemp(b)) }

// BenchmarkPostgresTraceBusySite is BenchmarkTraceBusySite on the pgtest
// PostgreSQL.
func BenchmarkPostgresTraceBusySite(b *testing.B) { benchTrace(b, openPG(b)) }

// TestTraceFindsExitsThroughTheirIndex: SQLite's plan for a trace finds
// each visit's exit in entries_exits, not by scanning the site's entries
// after it, which made a day at a busy site take seconds (the timing is
// BenchmarkTraceBusySite's).
func TestTraceFindsExitsThroughTheirIndex(t *testing.T) {
	s := openTemp(t)
	put(t, s, received, busySite()[:100]...)
	plan := queryPlan(t, s, sqliteTrace, "busy", t0.UnixNano(), t0.Add(24*time.Hour).UnixNano(), 1000)
	if got := strings.Join(plan, "\n"); !strings.Contains(got, "USING INDEX entries_exits (site=? AND credential_subject=? AND ts>?)") {
		t.Errorf("trace plan:\n%s\nwant the exits found through entries_exits", got)
	}
}
