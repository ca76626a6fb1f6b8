package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kakou/kakou/firmware/wire"
)

// sampleEntry is a valid entry without a seq, as the pipeline hands it over.
func sampleEntry(i int) wire.Entry {
	return wire.Entry{
		Schema: wire.SchemaVersion, ID: fmt.Sprintf("entry-%06d", i),
		Site: "sunshine-garden", Unit: "north-gate", BootID: "boot-1",
		Lane: wire.LaneIn, Time: time.Date(2026, 11, 23, 8, 0, i, 0, time.UTC), ClockSynced: true,
		Temperature:   &wire.Temperature{RawC: 36.1, CorrectedC: 36.7},
		Credential:    wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: "P-0012"},
		Decision:      wire.Allow,
		Reasons:       []wire.Reason{{Code: "ok", ZH: "通过", EN: "pass"}},
		PolicyVersion: "default-1",
	}
}

func openTemp(t testing.TB) (*Ledger, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path
}

// appendN appends entries first..first+n-1 and returns them with their seqs.
func appendN(t testing.TB, l *Ledger, first, n int) []wire.Entry {
	t.Helper()
	out := make([]wire.Entry, 0, n)
	for i := first; i < first+n; i++ {
		e := sampleEntry(i)
		if err := l.Append(context.Background(), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// wantSeqs fails unless es carries exactly the sequence numbers want.
func wantSeqs[T wire.Entry | Record](t *testing.T, es []T, want ...uint64) {
	t.Helper()
	got := make([]uint64, len(es))
	for i := range es {
		switch e := any(es[i]).(type) {
		case wire.Entry:
			got[i] = e.Seq
		case Record:
			got[i] = e.Seq
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("seqs = %v, want %v", got, want)
	}
}

func span(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func TestAppendAssignsGapFreeSequenceStoredInTheBody(t *testing.T) {
	l, _ := openTemp(t)
	appended := appendN(t, l, 0, 20)
	for i, e := range appended {
		if e.Seq != uint64(i+1) {
			t.Fatalf("entry %d got seq %d, want %d", i, e.Seq, i+1)
		}
	}
	stored, err := l.Entries(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	wantSeqs(t, stored, span(1, 20)...)
	if got := stored[7]; got.ID != appended[7].ID || !got.Time.Equal(appended[7].Time) ||
		!reflect.DeepEqual(got.Temperature, appended[7].Temperature) || got.Reasons[0] != appended[7].Reasons[0] {
		t.Fatalf("stored entry differs:\n got %+v\nwant %+v", got, appended[7])
	}
}

func TestAppendContinuesSequenceAfterReopen(t *testing.T) {
	l, path := openTemp(t)
	appendN(t, l, 0, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appendN(t, l, 3, 2)
	all, err := l.Entries(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	wantSeqs(t, all, span(1, 5)...)
}

func TestAppendNeverReusesSeqAfterOldRowsArePurged(t *testing.T) {
	l, _ := openTemp(t)
	appendN(t, l, 0, 5)
	ctx := context.Background()
	if err := l.markDeliveredUpTo(ctx, 5, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Purge(ctx, time.Now()); err != nil || n != 5 {
		t.Fatalf("Purge = %d, %v; want all 5 gone", n, err)
	}
	e := appendN(t, l, 5, 1)[0]
	if e.Seq != 6 {
		t.Fatalf("seq after purge = %d, want 6", e.Seq)
	}
}

func TestAppendRejectsWithoutConsumingSeq(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*wire.Entry)
		want   string
	}{
		{"duplicate id", func(e *wire.Entry) { e.ID = "entry-000000" }, "UNIQUE constraint failed"},
		{"invalid lane", func(e *wire.Entry) { e.Lane = "sideways" }, "wire: entry lane"},
		{"unknown decision", func(e *wire.Entry) { e.Decision = "maybe" }, "wire: entry decision"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := openTemp(t)
			appendN(t, l, 0, 1)
			bad := sampleEntry(1)
			tc.mutate(&bad)
			err := l.Append(context.Background(), &bad)
			if err == nil || !strings.HasPrefix(err.Error(), "ledger: append") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ledger: append … %s", err, tc.want)
			}
			if bad.Seq != 0 {
				t.Fatalf("failed append set seq %d", bad.Seq)
			}
			if next := appendN(t, l, 2, 1)[0]; next.Seq != 2 {
				t.Fatalf("seq after a failed append = %d, want 2", next.Seq)
			}
		})
	}
}

func TestAppendReportsFullDiskAndRecovers(t *testing.T) {
	l, _ := openTemp(t)
	appendN(t, l, 0, 1)
	// Cap the file at its current size: the next page SQLite needs is "disk full".
	if _, err := l.db.Exec(`PRAGMA max_page_count = 1`); err != nil {
		t.Fatal(err)
	}
	var err error
	var i int
	for i = 1; err == nil && i < 10000; i++ {
		e := sampleEntry(i)
		err = l.Append(context.Background(), &e)
	}
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_FULL ||
		!strings.HasPrefix(err.Error(), "ledger: append") || !strings.Contains(err.Error(), "database or disk is full") {
		t.Fatalf("err = %v, want a wrapped SQLITE_FULL", err)
	}
	if _, err := l.db.Exec(`PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, i, 1)
	all, err := l.Entries(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	wantSeqs(t, all, span(1, uint64(len(all)))...)
}

func TestPendingReturnsUndeliveredInSeqOrder(t *testing.T) {
	l, _ := openTemp(t)
	appendN(t, l, 0, 10)
	if err := l.MarkDeliveredUpTo(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		after uint64
		limit int
		want  []uint64
	}{
		{0, 100, []uint64{3, 4, 5, 6, 7, 8, 9, 10}},
		{0, 3, []uint64{3, 4, 5}},
		{5, 2, []uint64{6, 7}},
		{10, 100, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("after %d limit %d", tc.after, tc.limit), func(t *testing.T) {
			got, err := l.Pending(context.Background(), tc.after, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			wantSeqs(t, got, tc.want...)
		})
	}
}

func TestPendingRecordsCarryTheStoredBodyAndItsRoutingFields(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	es := []wire.Entry{sampleEntry(0), sampleEntry(1), sampleEntry(2)}
	es[1].Alert = "fever"
	es[2].Site, es[2].Unit = "old-site", "old-gate" // logged before the unit was renamed
	if err := l.AppendBatch(ctx, es); err != nil {
		t.Fatal(err)
	}
	got, err := l.Pending(ctx, 0, 10)
	if err != nil || len(got) != len(es) {
		t.Fatalf("Pending = %d records, %v; want %d", len(got), err, len(es))
	}
	for i, r := range got {
		e := es[i]
		want, _ := json.Marshal(e)
		if r.Seq != e.Seq || r.Site != e.Site || r.Unit != e.Unit || r.Alert != (e.Alert != "") {
			t.Errorf("record %d = seq %d %s/%s alert %v; want seq %d %s/%s alert %v",
				i, r.Seq, r.Site, r.Unit, r.Alert, e.Seq, e.Site, e.Unit, e.Alert != "")
		}
		if string(r.Body) != string(want) {
			t.Errorf("record %d body = %s\nwant the stored JSON %s", i, r.Body, want)
		}
	}
}

func TestMarkDeliveredUpToKeepsTheFirstDeliveryTime(t *testing.T) {
	l, _ := openTemp(t)
	appendN(t, l, 0, 2)
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	if err := l.markDeliveredUpTo(ctx, 1, first); err != nil {
		t.Fatal(err)
	}
	if err := l.markDeliveredUpTo(ctx, 2, first.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var us int64
	if err := l.db.QueryRow(`SELECT delivered_at FROM entries WHERE seq = 1`).Scan(&us); err != nil {
		t.Fatal(err)
	}
	if got := time.UnixMicro(us).UTC(); !got.Equal(first) {
		t.Fatalf("delivered_at = %v, want the first delivery %v", got, first)
	}
}

func TestBacklogCountsUndeliveredAndDatesTheLowestSeq(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	if n, oldest, err := l.Backlog(ctx); err != nil || n != 0 || !oldest.IsZero() {
		t.Fatalf("empty ledger: Backlog = %d, %v, %v; want 0, zero time, nil", n, oldest, err)
	}
	// A reboot before NTP sync stamps a later entry with 1970; the lowest
	// undelivered seq is still the one that has waited longest.
	unsynced := sampleEntry(0)
	unsynced.Time, unsynced.ClockSynced = time.Unix(90, 0).UTC(), false
	appendN(t, l, 1, 2)
	if err := l.Append(ctx, &unsynced); err != nil {
		t.Fatal(err)
	}
	if err := l.MarkDeliveredUpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	n, oldest, err := l.Backlog(ctx)
	if want := sampleEntry(2).Time; err != nil || n != 2 || !oldest.Equal(want) {
		t.Fatalf("Backlog = %d, %v, %v; want 2, %v, nil", n, oldest, err, want)
	}
}

func TestOpenRefusesSchemaFromNewerFirmware(t *testing.T) {
	l, path := openTemp(t)
	if _, err := l.db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	l.Close()
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), "schema version 99 is newer") {
		t.Fatalf("Open = %v, want a refusal of schema version 99", err)
	}
}

func TestOpenRejectsPathsThatWouldBreakTheDSN(t *testing.T) {
	for _, p := range []string{"", "ledger.db?mode=ro", "a#b.db"} {
		if _, err := Open(p); err == nil || !strings.HasPrefix(err.Error(), "ledger: open") {
			t.Errorf("Open(%q) = %v, want a ledger: open error", p, err)
		}
	}
}

// BenchmarkAppend measures committed appends: each one is an fsynced
// transaction, which is the gate's real cost per person.
func BenchmarkAppend(b *testing.B) {
	l, _ := openTemp(b)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		e := sampleEntry(n)
		if err := l.Append(ctx, &e); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
}

func TestCountsGroupsTodaysEntriesByDecision(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	for i, d := range []wire.Decision{wire.Allow, wire.Allow, wire.Recheck, wire.Register, wire.Allow} {
		e := sampleEntry(i)
		e.Decision = d
		if err := l.Append(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.Counts(ctx, sampleEntry(1).Time) // the first entry is "yesterday"
	if err != nil {
		t.Fatal(err)
	}
	want := map[wire.Decision]int{wire.Allow: 2, wire.Recheck: 1, wire.Register: 1}
	if !maps.Equal(got, want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
}
