package sqlite

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// only returns the single watermark of a batch from one unit.
func only(t *testing.T, res store.PutResult) store.Watermark {
	t.Helper()
	if len(res.Watermarks) != 1 {
		t.Fatalf("watermarks %+v, want exactly one", res.Watermarks)
	}
	return res.Watermarks[0]
}

func TestWatermarkAdvancesContiguouslyHoldsAtAGapAndJumpsWhenItFills(t *testing.T) {
	s := openTemp(t)
	newID := entry("site-a", "u1", 1)
	newID.ID = "u1-1-again"
	steps := []struct {
		name      string
		batch     []wire.Entry
		want      uint64
		wantMoved bool
	}{
		{"first entries", seqs("u1", 1, 2), 2, true},
		{"after a gap", seqs("u1", 4, 5), 2, false},
		{"gap filled", seqs("u1", 3, 3), 5, true},
		{"re-send", seqs("u1", 2, 4), 5, false},
		{"re-send under a new id", []wire.Entry{newID}, 5, false},
		{"out of order in one batch", []wire.Entry{entry("site-a", "u1", 7), entry("site-a", "u1", 6)}, 7, true},
	}
	for _, st := range steps {
		got := only(t, putResult(t, s, received, st.batch...))
		want := store.Watermark{Site: "site-a", Unit: "u1", Seq: st.want, Moved: st.wantMoved}
		if got != want {
			t.Fatalf("%s: watermark %+v, want %+v", st.name, got, want)
		}
	}
}

// birth is a unit's online status saying how many entries wait for an ack.
func birth(t *testing.T, s *Store, unit string, backlog int) {
	t.Helper()
	st := status(unit, wire.Online)
	st.Backlog = backlog
	putStatus(t, s, st, received)
}

func TestWatermarkStartsBelowTheFirstSeqOfAUnitWithNothingWaiting(t *testing.T) {
	s := openTemp(t)
	// The unit's ledger purged 1..499 long ago; the collector is new.
	birth(t, s, "u1", 0)
	if w := only(t, putResult(t, s, received, seqs("u1", 500, 501)...)); w.Seq != 501 || !w.Moved {
		t.Fatalf("first contact at 500: watermark %+v, want 501", w)
	}
	late := putResult(t, s, received, entry("site-a", "u1", 499))
	if w := only(t, late); w.Seq != 501 || w.Moved || late.Inserted != 1 {
		t.Fatalf("an entry below the start: %+v, want it stored and the watermark unmoved", late)
	}
	if w := only(t, putResult(t, s, received, entry("site-a", "u1", 502))); w.Seq != 502 {
		t.Fatalf("watermark %+v, want 502", w)
	}
}

func TestWatermarkWaitsForTheBacklogOfAUnitFirstHeardOfLate(t *testing.T) {
	s := openTemp(t)
	birth(t, s, "u1", 99) // it screened offline from seq 1: 1..99 wait in its ledger
	fever := entry("site-a", "u1", 50)
	fever.Historical, fever.Alert = true, "fever"
	steps := []struct {
		name  string
		batch []wire.Entry
		want  uint64
	}{
		{"a live entry overtakes the backlog", seqs("u1", 100, 100), 0},
		{"the backlog's alerts come first", []wire.Entry{fever}, 0},
		{"the backlog from its start", seqs("u1", 1, 49), 50},
		{"the rest", seqs("u1", 51, 99), 100},
	}
	for _, st := range steps {
		if w := only(t, putResult(t, s, received, st.batch...)); w.Seq != st.want {
			t.Fatalf("%s: watermark %d, want %d", st.name, w.Seq, st.want)
		}
	}
}

func TestWatermarkDoesNotGuessWhereAUnitsBacklogBegins(t *testing.T) {
	tests := []struct {
		name   string
		status func(*testing.T, *Store)
	}{
		{"no status yet", func(*testing.T, *Store) {}},
		{"a backlog waits", func(t *testing.T, s *Store) { birth(t, s, "u1", 12) }},
		{"only a will, which does not say", func(t *testing.T, s *Store) {
			putStatus(t, s, status("u1", wire.Offline), received)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t)
			tt.status(t, s)
			if w := only(t, putResult(t, s, received, seqs("u1", 500, 502)...)); w.Seq != 0 || w.Moved {
				t.Fatalf("watermark %+v, want it not started", w)
			}
		})
	}
}

func TestWatermarksOfSeveralUnitsInOneBatch(t *testing.T) {
	s := openTemp(t)
	st := status("u2", wire.Online)
	st.Site = "site-b"
	putStatus(t, s, st, received)
	put(t, s, received, entry("site-b", "u2", 10))
	res := putResult(t, s, received, entry("site-a", "u1", 1), entry("site-b", "u2", 10),
		entry("site-a", "u1", 2), entry("site-b", "u2", 12))
	want := []store.Watermark{{Site: "site-a", Unit: "u1", Seq: 2, Moved: true},
		{Site: "site-b", Unit: "u2", Seq: 10, Moved: false}}
	if !reflect.DeepEqual(res.Watermarks, want) {
		t.Fatalf("watermarks %+v, want %+v", res.Watermarks, want)
	}
}

func TestWatermarkStaysUnstartedWhenNothingOfTheUnitWasStored(t *testing.T) {
	s := openTemp(t)
	put(t, s, received, entry("site-a", "u1", 1))
	clash := entry("site-a", "u2", 1)
	clash.ID = "u1-1" // another unit's id: refused, so nothing of u2 is stored
	if w := only(t, putResult(t, s, received, clash)); w.Seq != 0 || w.Moved {
		t.Fatalf("watermark %+v, want 0 and unmoved", w)
	}
	if w := only(t, putResult(t, s, received, entry("site-a", "u2", 1))); w.Seq != 1 {
		t.Fatalf("watermark %+v, want 1", w)
	}
}

func TestWatermarkSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, received, append(seqs("u1", 1, 3), entry("site-a", "u1", 5))...)
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if u := units(t, s, t0)["u1"]; u.AckedSeq != 3 {
		t.Fatalf("after reopen acked_seq %d, want 3", u.AckedSeq)
	}
	if w := only(t, putResult(t, s, received, entry("site-a", "u1", 4))); w.Seq != 5 || !w.Moved {
		t.Fatalf("watermark %+v, want 5", w)
	}
}

func TestWatermarkReachesTheEndOfAShuffledBacklog(t *testing.T) {
	s := openTemp(t)
	backlog := seqs("u1", 1, 2000)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(backlog), func(i, j int) { backlog[i], backlog[j] = backlog[j], backlog[i] })
	var last store.Watermark
	for i := 0; i < len(backlog); i += 100 {
		w := only(t, putResult(t, s, received, backlog[i:i+100]...))
		if w.Seq < last.Seq {
			t.Fatalf("watermark went back from %d to %d", last.Seq, w.Seq)
		}
		last = w
	}
	if last.Seq != 2000 {
		t.Fatalf("watermark %d after the whole backlog, want 2000", last.Seq)
	}
}

// TestWatermarkWalksTheUniqueIndex guards the cost of the walk: it must
// read the (site, unit, seq) index in order, not sort or scan the table.
func TestWatermarkWalksTheUniqueIndex(t *testing.T) {
	s := openTemp(t)
	plan := queryPlan(t, s, nextSeqs, "site-a", "u1", 0)
	got := strings.Join(plan, "; ")
	if !strings.Contains(got, "COVERING INDEX sqlite_autoindex_entries_2 (site=? AND unit=? AND seq>?)") ||
		strings.Contains(got, "TEMP B-TREE") {
		t.Fatalf("plan %q, want a covering walk of the (unit, seq) index without a sort", got)
	}
}

func TestMigrationStartsKnownUnitsAtTheirNewestEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	old := openAtVersion(t, path, 2)
	for _, seq := range []int{1, 2, 5, 6} { // 3 and 4 were lost under PUBACK delivery
		_, err := old.Exec(`INSERT INTO entries (id, site, unit, seq, boot_id, lane, time,
			clock_synced, ts, received_at, credential_kind, credential_result,
			credential_subject, decision, reasons, policy_version)
			VALUES (?, 'site-a', 'u1', ?, 'b', 'in', '2022-04-01T08:00:00Z', 1, 0, 0,
			'none', 'none', '', 'allow', '[]', 'p')`, fmt.Sprintf("id-%d", seq), seq)
		if err != nil {
			t.Fatal(err)
		}
	}
	old.Exec(`INSERT INTO units (unit, site) VALUES ('u1', 'site-a'), ('u2', 'site-a')`)
	old.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := units(t, s, t0)
	if got["u1"].AckedSeq != 6 || got["u2"].AckedSeq != 0 {
		t.Fatalf("acked_seq u1=%d u2=%d, want 6 (newest stored) and 0 (no entries)",
			got["u1"].AckedSeq, got["u2"].AckedSeq)
	}
	if w := only(t, putResult(t, s, received, entry("site-a", "u1", 7))); w.Seq != 7 {
		t.Fatalf("watermark %+v, want 7", w)
	}
}

// openAtVersion creates a database with only the first n migrations, as an
// earlier build left it.
func openAtVersion(t *testing.T, path string, n int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+dsnParams)
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{w: db}
	for i := range n {
		if err := old.step(ctx, i+1, migrations[i]); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// What a unit says of its acknowledgement is shown, never believed: a
// forged status claiming 2,000 entries more than were stored would have
// them acknowledged and dropped by the unit. An operator starts the
// watermark instead, and it walks on from there.
func TestWatermarkIgnoresWhatAStatusSaysUntilAnOperatorSetsIt(t *testing.T) {
	s := openTemp(t)
	put(t, s, received, seqs("u1", 1, 10)...)
	forged := status("u1", wire.Online)
	forged.Backlog, forged.AckedSeq = 0, 2010
	putStatus(t, s, forged, received)
	if w := only(t, putResult(t, s, received, seqs("u1", 12, 12)...)); w.Seq != 10 {
		t.Fatalf("watermark %+v after a forged status, want 10: 11 was never stored", w)
	}
	if u := units(t, s, t0)["u1"]; u.AckedSeq != 10 || u.ReportedAcked != 2010 {
		t.Fatalf("unit %+v, want acked 10 and the claim 2010 shown apart", u)
	}
	w, err := s.SetWatermark(ctx, store.UnitID{Site: "site-a", Unit: "u1"}, 11)
	if err != nil || w.Seq != 12 {
		t.Fatalf("SetWatermark(11) = %+v, %v; want it to walk on to 12", w, err)
	}
}

// queryPlan is SQLite's plan for q, one line per step.
func queryPlan(t *testing.T, s *Store, q string, args ...any) []string {
	t.Helper()
	rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}
