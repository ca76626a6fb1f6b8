package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// dayOfEntries is a lane's day in Beijing time: one entry the evening
// before, then one every 7 minutes from midnight, their decisions cycling.
func dayOfEntries() (midnight time.Time, es []wire.Entry) {
	cst := time.FixedZone("CST", 8*3600)
	midnight = time.Date(2026, 11, 23, 0, 0, 0, 0, cst)
	decisions := []wire.Decision{wire.Allow, wire.Allow, wire.Recheck, wire.Register, wire.Deny}
	for i := range 200 {
		e := sampleEntry(i)
		e.Time = midnight.Add(time.Duration(i-1) * 7 * time.Minute)
		e.Decision = decisions[i%len(decisions)]
		es = append(es, e)
	}
	return midnight, es
}

// countRows is what Counts must answer, counted here by hand.
func countRows(es []wire.Entry, since time.Time) map[wire.Decision]int {
	out := map[wire.Decision]int{}
	for _, e := range es {
		if !e.Time.Before(since) && e.Decision != "" {
			out[e.Decision]++
		}
	}
	return out
}

func TestCountsFromTheQuarterHourTallyMatchTheEntries(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	midnight, es := dayOfEntries()
	for i := range es {
		if err := l.Append(ctx, &es[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, since := range []time.Time{midnight, midnight.Add(6 * time.Hour), midnight.Add(7*time.Hour + 3*time.Minute)} {
		got, err := l.Counts(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		if want := countRows(es, since); !maps.Equal(got, want) {
			t.Errorf("since %s: %v, want %v", since.Format(time.TimeOnly), got, want)
		}
	}
	// The quota evicts delivered entries; the people still passed today.
	if err := l.MarkDeliveredUpTo(ctx, uint64(len(es))); err != nil {
		t.Fatal(err)
	}
	if _, err := l.EnforceQuota(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if left, _ := l.Entries(ctx, 0, 1000); len(left) == len(es) {
		t.Fatal("the quota evicted nothing; the test proves nothing")
	}
	if got, _ := l.Counts(ctx, midnight); !maps.Equal(got, countRows(es, midnight)) {
		t.Fatalf("after the quota evicted delivered entries: %v, want %v", got, countRows(es, midnight))
	}
}

// TestOpenTalliesTheEntriesOfALedgerFromBeforeTheTally opens a schema-4
// ledger, as the firmware before the tally left it, holding a day.
func TestOpenTalliesTheEntriesOfALedgerFromBeforeTheTally(t *testing.T) {
	ctx := context.Background()
	path, old := oldLedger(t, 4)
	midnight, es := dayOfEntries()
	for i, e := range es {
		e.Seq = uint64(i + 1)
		body, _ := json.Marshal(e)
		if _, err := old.Exec(`INSERT INTO entries (seq, id, time, decision, body, site, unit)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.ID, e.Time.UnixMicro(), e.Decision, body, e.Site, e.Unit); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got, _ := l.Counts(ctx, midnight); !maps.Equal(got, countRows(es, midnight)) {
		t.Fatalf("an upgraded ledger counts %v, want %v", got, countRows(es, midnight))
	}
}

// BenchmarkCounts is today's counts of a busy lane (one person a second
// for 12 hours: 43,200 entries) as the console asks for them each second,
// from the quarter-hour tally and, for the ratio, by counting the rows as
// a start that is not on a quarter hour must.
func BenchmarkCounts(b *testing.B) {
	l, _ := openTemp(b)
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	midnight := time.Date(2026, 11, 23, 0, 0, 0, 0, cst)
	batch := make([]wire.Entry, 0, 1000)
	for i := range 43200 {
		e := sampleEntry(i)
		e.Time = midnight.Add(6*time.Hour + time.Duration(i)*time.Second)
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			if err := l.AppendBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	var tally, rows time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := l.Counts(ctx, midnight); err != nil {
			b.Fatal(err)
		}
		tally += time.Since(start)
		start = time.Now()
		if _, err := l.Counts(ctx, midnight.Add(time.Second)); err != nil {
			b.Fatal(err)
		}
		rows += time.Since(start)
	}
	b.ReportMetric(float64(tally.Microseconds())/float64(b.N), "tally-µs")
	b.ReportMetric(float64(rows.Microseconds())/float64(b.N), "rows-µs")
	b.ReportMetric(float64(rows)/float64(tally), "rows/tally")
}

// oldLedger is a ledger at schema version, as the firmware of that version
// left it, open for the test to fill; close it before opening it again.
func oldLedger(t *testing.T, version int) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for v, stmt := range migrations[:version] {
		if err := applyMigration(context.Background(), old, v+1, stmt); err != nil {
			t.Fatal(err)
		}
	}
	return path, old
}
