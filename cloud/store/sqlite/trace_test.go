package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"

	"github.com/kakou/kakou/cloud/store/storetest"
)

// BenchmarkTraceBusySite: who was at a site of 10,000 entries in a day,
// each with the time they left, on SQLite.
func BenchmarkTraceBusySite(b *testing.B) { storetest.BenchTrace(b, openTemp(b)) }

// TestTraceFindsExitsThroughTheirIndex: SQLite's plan for a trace finds
// each visit's exit in entries_exits, not by scanning the site's entries
// after it, which made a day at a busy site take seconds (the timing is
// BenchmarkTraceBusySite's).
func TestTraceFindsExitsThroughTheirIndex(t *testing.T) {
	s := openTemp(t)
	put(t, s, received, storetest.BusySite()[:100]...)
	q := store.TraceQuery{Site: "busy", Since: t0, Until: t0.Add(24 * time.Hour), MinStay: time.Hour}
	from, since, until, stayEnd, minStay := q.TraceBounds()
	plan := queryPlan(t, s, sqliteTrace, "busy", from, until, since, stayEnd, minStay, 1000)
	got := strings.Join(plan, "\n")
	if !strings.Contains(got, "USING INDEX entries_exits (site=? AND credential_subject=? AND ts>?)") {
		t.Errorf("trace plan:\n%s\nwant the exits found through entries_exits", got)
	}
	// The admissions are a range of the site's (site, ts) index, the
	// lookback's week included, never a scan of every site's entries; each
	// one's exit is looked up once, not once for each use of it, and the
	// time order needs no sort.
	if !strings.Contains(got, "(site=? AND ts>? AND ts<?)") || strings.Count(got, "USING INDEX entries_exits") != 1 ||
		strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("trace plan:\n%s\nwant the admissions by site and time, one exit lookup each, no sort", got)
	}
}
