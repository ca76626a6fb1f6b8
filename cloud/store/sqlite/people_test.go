package sqlite

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

// The cloud database file holds hashes and masked forms only, and once
// purged not even those: the file's bytes are searched.
func TestSQLiteFileHoldsNoFullNumberAndPurgedVisitorsLeaveIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cloud.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recent := storetest.Visiting("mart", "door-1", 2, "110105194912310011", storetest.PersonPhone)
	recent.Time = t0.Add(48 * time.Hour)
	if _, err := s.PutEntries(ctx, []wire.Entry{storetest.Visiting("mart", "door-1", 1, storetest.PersonID, storetest.PersonPhone), recent}, received); err != nil {
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
		storetest.PersonID: false, storetest.PersonPhone: false, "110105194912310011": false, // full numbers: never
		wire.PersonHash(storetest.PeopleKey, "id", storetest.PersonID):   false, // purged
		wire.PersonHash(storetest.PeopleKey, "id", "110105194912310011"): true,  // kept
	} {
		if bytes.Contains(disk, []byte(what)) != want {
			t.Errorf("%s in the database file = %v, want %v", what, !want, want)
		}
	}
}
