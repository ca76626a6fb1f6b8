package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// oldEntryColumns are the columns an entry had before the visitor hashes
// became columns ingest writes: they were computed from detail then.
var oldEntryColumns = strings.Split(store.EntryColumns, ",")[:20]

// OldEntryInsert inserts e as a build before that step did, with
// placeholders made by mark(i) for the i-th value, 1-based.
func OldEntryInsert(t *testing.T, e wire.Entry, mark func(int) string) (string, []any) {
	t.Helper()
	args, err := store.EntryValues(&e, Received)
	if err != nil {
		t.Fatal(err)
	}
	marks := make([]string, len(oldEntryColumns))
	for i := range marks {
		marks[i] = mark(i + 1)
	}
	return "INSERT INTO entries (" + strings.Join(oldEntryColumns, ",") + ") VALUES (" +
		strings.Join(marks, ", ") + ")", args[:len(oldEntryColumns)]
}

// AfterHashMigration checks a store that migrated with one old visitor
// entry in it: the old visitor is found by hash, and so is one stored
// now, while an entry without a visitor gets no hash.
func AfterHashMigration(t *testing.T, s Store, count func(string) int) {
	t.Helper()
	idHash := wire.PersonHash(PeopleKey, "id", PersonID)
	if found, err := s.Person(ctx, store.PersonQuery{IDHash: idHash}); err != nil || len(found) != 1 {
		t.Fatalf("a visitor stored before the migration: found %d, %v; want 1", len(found), err)
	}
	fresh := []wire.Entry{Visiting("mart", "door-1", 2, PersonID, PersonPhone), Entry("mart", "door-1", 3)}
	if _, err := s.PutEntries(ctx, fresh, Received); err != nil {
		t.Fatal(err)
	}
	if found, err := s.Person(ctx, store.PersonQuery{IDHash: idHash}); err != nil || len(found) != 2 {
		t.Fatalf("after storing another visit: found %d, %v; want 2", len(found), err)
	}
	if n := count("SELECT count(*) FROM entries WHERE id_hash IS NOT NULL AND phone_hash IS NOT NULL"); n != 2 {
		t.Fatalf("%d entries have both hashes, want the 2 visitors'", n)
	}
}

// StepBefore is how many of steps come before the one containing sql:
// the schema version a database had just before it.
func StepBefore(t *testing.T, steps []string, sql string) int {
	t.Helper()
	i := slices.IndexFunc(steps, func(s string) bool { return strings.Contains(s, sql) })
	if i < 0 {
		t.Fatalf("no migration step contains %q", sql)
	}
	return i
}
