package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/kakou/kakou/cloud/store/storetest"
)

func TestSQLiteVisitorsStoredBeforeTheHashColumnsAreFound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	old := openAtVersion(t, path, storetest.StepBefore(t, migrations, "DROP COLUMN id_hash"))
	q, args := storetest.OldEntryInsert(t, storetest.Visiting("mart", "door-1", 1, storetest.PersonID, storetest.PersonPhone), func(int) string { return "?" })
	if _, err := old.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.AfterHashMigration(t, s, func(q string) int { return countRows(t, s.db, q) })
}

func countRows(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
