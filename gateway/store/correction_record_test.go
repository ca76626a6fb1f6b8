package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// TestCorrectionIsStoredWithTheRecordThatCarriesItToTheCentre: each
// correction leaves a pending entry of the gateway's own id, a valid
// occupancy record naming the manager, with the gateway's next seq.
func TestCorrectionIsStoredWithTheRecordThatCarriesItToTheCentre(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for i, count := range []int{12, 0} {
		c, rec, err := s.CorrectAndRecord(ctx, Correction{Count: count, Previous: 3, Reason: "清点", By: "王经理", ByID: "wang",
			At: at.Add(time.Duration(i) * time.Hour)}, "market", "gw")
		if err != nil {
			t.Fatal(err)
		}
		e, err := wire.DecodeEntry(rec.Body)
		if err != nil {
			t.Fatalf("the record is not a valid entry: %v", err)
		}
		if rec.Unit != "gw" || rec.Seq != uint64(i+1) || e.Guard != "wang" || e.Record.Kind != wire.RecordOccupancy ||
			e.Record.Occupancy.Count != count || e.ID != c.Entry || !e.ClockSynced {
			t.Fatalf("correction %d: record %+v, entry %+v", i, rec, e)
		}
	}
	if n, _, _ := s.Backlog(ctx, "gw"); n != 2 {
		t.Fatalf("%d records wait for the cloud, want 2", n)
	}
	if _, _, err := s.CorrectAndRecord(ctx, Correction{Count: 1, Reason: "x", By: "y", ByID: "+"}, "market", "gw"); err == nil {
		t.Fatal("a correction by a wildcard id was stored")
	}
}

// TestOpenMigratesCorrectionsOfAnOlderDatabase: a gateway.db from before
// managers signed in gains the manager and record columns and keeps its
// corrections.
func TestOpenMigratesCorrectionsOfAnOlderDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`CREATE TABLE corrections (id INTEGER PRIMARY KEY AUTOINCREMENT, count INTEGER NOT NULL,
		previous INTEGER NOT NULL, reason TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL);
		INSERT INTO corrections (count, previous, reason, by, at) VALUES (7, 0, 'opening', 'manager wang', 1)`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.Corrections(context.Background(), 10)
	if err != nil || len(list) != 1 || list[0].Count != 7 || list[0].ByID != "" {
		t.Fatalf("after migration: %+v %v", list, err)
	}
}
