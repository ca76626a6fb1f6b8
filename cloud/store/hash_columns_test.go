package store

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/firmware/wire"
)

// oldEntryColumns are the columns an entry had before the visitor hashes
// became columns ingest writes: they were computed from detail then.
var oldEntryColumns = strings.Split(EntryColumns, ",")[:20]

// oldEntryInsert inserts e as a build before that step did, with
// placeholders made by mark(i) for the i-th value, 1-based.
func oldEntryInsert(t *testing.T, e wire.Entry, mark func(int) string) (string, []any) {
	t.Helper()
	args, err := EntryValues(&e, received)
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

// afterHashMigration checks a store that migrated with one old visitor
// entry in it: the old visitor is found by hash, and so is one stored
// now, while an entry without a visitor gets no hash.
func afterHashMigration(t *testing.T, s personStore, count func(string) int) {
	t.Helper()
	idHash := wire.PersonHash(peopleKey, "id", personID)
	if found, err := s.Person(ctx, PersonQuery{IDHash: idHash}); err != nil || len(found) != 1 {
		t.Fatalf("a visitor stored before the migration: found %d, %v; want 1", len(found), err)
	}
	fresh := []wire.Entry{visiting("mart", "door-1", 2, personID, personPhone), entry("mart", "door-1", 3)}
	if _, err := s.PutEntries(ctx, fresh, received); err != nil {
		t.Fatal(err)
	}
	if found, err := s.Person(ctx, PersonQuery{IDHash: idHash}); err != nil || len(found) != 2 {
		t.Fatalf("after storing another visit: found %d, %v; want 2", len(found), err)
	}
	if n := count("SELECT count(*) FROM entries WHERE id_hash IS NOT NULL AND phone_hash IS NOT NULL"); n != 2 {
		t.Fatalf("%d entries have both hashes, want the 2 visitors'", n)
	}
}

func TestSQLiteVisitorsStoredBeforeTheHashColumnsAreFound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	old := openAtVersion(t, path, stepBefore(t, migrations, "DROP COLUMN id_hash"))
	q, args := oldEntryInsert(t, visiting("mart", "door-1", 1, personID, personPhone), func(int) string { return "?" })
	if _, err := old.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	afterHashMigration(t, s, func(q string) int { return countRows(t, s.db, q) })
}

func TestPostgresVisitorsStoredBeforeTheHashColumnsAreFound(t *testing.T) {
	dsn := pgtest.Start(t)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	old := &Postgres{pool: pool}
	for range stepBefore(t, pgMigrations, "DROP EXPRESSION") {
		if _, err := old.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	q, args := oldEntryInsert(t, visiting("mart", "door-1", 1, personID, personPhone), func(i int) string { return fmt.Sprintf("$%d", i) })
	if _, err := pool.Exec(ctx, q, args...); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	p, err := OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	afterHashMigration(t, p, func(q string) int {
		var n int
		if err := p.pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}

func countRows(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// stepBefore is how many of steps come before the one containing sql:
// the schema version a database had just before it.
func stepBefore(t *testing.T, steps []string, sql string) int {
	t.Helper()
	i := slices.IndexFunc(steps, func(s string) bool { return strings.Contains(s, sql) })
	if i < 0 {
		t.Fatalf("no migration step contains %q", sql)
	}
	return i
}
