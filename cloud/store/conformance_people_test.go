package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// personStore is what both backends implement for issue 8: finding one
// person's entries by hash, and retention.
type personStore interface {
	conformer
	Person(context.Context, PersonQuery) ([]Record, error)
	PurgeEntries(context.Context, time.Time) (int, error)
}

var (
	_ personStore = (*SQLite)(nil)
	_ personStore = (*Postgres)(nil)
)

var peopleKey = bytes.Repeat([]byte("k"), 32)

const (
	personID    = "11010519491231002X"
	personPhone = "13812345678"
)

// visiting is entry seq of unit at site with a registered visitor, as the
// unit sends it: masked numbers and their keyed hashes, never the numbers.
func visiting(site, unit string, seq uint64, id, phone string) wire.Entry {
	e := entry(site, unit, seq)
	e.Credential = wire.Credential{Kind: wire.CredentialVisitor, Result: "registered", Subject: "V-1"}
	e.Visitor = &wire.Visitor{Name: "李四", ID: wire.MaskID(id), Phone: wire.MaskPhone(phone),
		IDHash: wire.PersonHash(peopleKey, "id", id), PhoneHash: wire.PersonHash(peopleKey, "phone", phone)}
	return e
}

func TestConformancePeople(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			for _, bh := range []struct {
				name string
				run  func(*testing.T, personStore)
			}{
				{"a person's entries found by ID or phone hash across sites", behavePersonAcrossSites},
				{"purge deletes old entries, keeps recent ones, unacknowledged ones and rollups", behavePurge},
				{"a synced clock outside what the store holds counts by receive time", behaveUnbelievableClock},
			} {
				t.Run(bh.name, func(t *testing.T) {
					t.Parallel()
					bh.run(t, b.open(t).(personStore))
				})
			}
		})
	}
}

func behavePersonAcrossSites(t *testing.T, s personStore) {
	mine := []wire.Entry{visiting("mart", "door-1", 1, personID, personPhone),
		visiting("clinic", "gate-1", 1, personID, "13900000000")}
	other := visiting("mart", "door-1", 2, "110105194912310011", "13700000000")
	plain := entry("mart", "door-1", 3) // no visitor
	if _, err := s.PutEntries(ctx, append(mine, other, plain), received); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    PersonQuery
		want []string
	}{
		{"by ID", PersonQuery{IDHash: wire.PersonHash(peopleKey, "id", personID)}, []string{"door-1-1", "gate-1-1"}},
		{"by phone", PersonQuery{PhoneHash: wire.PersonHash(peopleKey, "phone", personPhone)}, []string{"door-1-1"}},
		{"ID or phone", PersonQuery{IDHash: wire.PersonHash(peopleKey, "id", "110105194912310011"),
			PhoneHash: wire.PersonHash(peopleKey, "phone", personPhone)}, []string{"door-1-1", "door-1-2"}},
		{"nobody", PersonQuery{IDHash: wire.PersonHash(peopleKey, "id", "110105194912319999")}, nil},
	}
	for _, tt := range tests {
		got, err := s.Person(ctx, tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if len(ids) != len(tt.want) || len(ids) > 0 && (ids[0] != tt.want[0] || ids[len(ids)-1] != tt.want[len(tt.want)-1]) {
			t.Errorf("%s: got %v, want %v", tt.name, ids, tt.want)
		}
	}
	if _, err := s.Person(ctx, PersonQuery{}); err == nil {
		t.Error("a query without a hash was answered")
	}
}

func behavePurge(t *testing.T, s personStore) {
	// door-1 seq 1-3 at t0+minutes, seq 4 a day later; seq 6 arrives
	// above a gap at 5, so the watermark stays at 4 and 6 must stay.
	late := visiting("mart", "door-1", 4, personID, personPhone)
	late.Time = t0.Add(24 * time.Hour)
	gap := visiting("mart", "door-1", 6, personID, personPhone)
	batch := []wire.Entry{visiting("mart", "door-1", 1, personID, personPhone),
		visiting("mart", "door-1", 2, personID, personPhone), visiting("mart", "door-1", 3, personID, personPhone), late, gap}
	if _, err := s.PutEntries(ctx, batch, received); err != nil {
		t.Fatal(err)
	}
	rollupsBefore := rollupTotal(t, s)
	n, err := s.PurgeEntries(ctx, t0.Add(time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("PurgeEntries = %d, %v; want the 3 old acknowledged entries", n, err)
	}
	left, err := s.Entries(ctx, Query{Site: "mart"})
	if err != nil || len(left) != 2 {
		t.Fatalf("left %d entries, %v; want seq 4 (recent) and 6 (above the watermark)", len(left), err)
	}
	if got := rollupTotal(t, s); got != rollupsBefore || got != 5 {
		t.Errorf("rollup total %d after the purge, %d before; want 5 both times", got, rollupsBefore)
	}
	if found, _ := s.Person(ctx, PersonQuery{IDHash: wire.PersonHash(peopleKey, "id", personID)}); len(found) != 2 {
		t.Errorf("person has %d entries after the purge, want 2", len(found))
	}
}

func rollupTotal(t *testing.T, s personStore) int {
	t.Helper()
	rows, err := s.Rollups(ctx, RollupQuery{Site: "mart", By: "site", Since: t0.Add(-time.Hour),
		Until: t0.Add(48 * time.Hour), Whole: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		n += r.Counts["total"]
	}
	return n
}

// The cloud database file holds hashes and masked forms only, and once
// purged not even those: the file's bytes are searched.
func TestSQLiteFileHoldsNoFullNumberAndPurgedVisitorsLeaveIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cloud.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recent := visiting("mart", "door-1", 2, "110105194912310011", personPhone)
	recent.Time = t0.Add(48 * time.Hour)
	if _, err := s.PutEntries(ctx, []wire.Entry{visiting("mart", "door-1", 1, personID, personPhone), recent}, received); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PurgeEntries(ctx, t0.Add(24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("PurgeEntries = %d, %v", n, err)
	}
	s.Close()
	files, _ := filepath.Glob(path + "*")
	var disk []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		disk = append(disk, b...)
	}
	for what, want := range map[string]bool{
		personID: false, personPhone: false, "110105194912310011": false, // full numbers: never
		wire.PersonHash(peopleKey, "id", personID):             false, // purged
		wire.PersonHash(peopleKey, "id", "110105194912310011"): true,  // kept
	} {
		if bytes.Contains(disk, []byte(what)) != want {
			t.Errorf("%s in the database file = %v, want %v", what, !want, want)
		}
	}
}
