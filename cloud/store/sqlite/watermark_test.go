package sqlite

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/store"
)

// only returns the single watermark of a batch from one unit.
func only(t *testing.T, res store.PutResult) store.Watermark {
	t.Helper()
	if len(res.Watermarks) != 1 {
		t.Fatalf("watermarks %+v, want exactly one", res.Watermarks)
	}
	return res.Watermarks[0]
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
