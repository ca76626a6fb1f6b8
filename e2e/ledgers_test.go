package e2e

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/wire"
	_ "modernc.org/sqlite"
)

// Reading units' ledgers from outside, and comparing them with what the
// cloud stored: every logged entry exactly once.

// ledgerCount reads how many entries a running unit has logged, through a
// second connection that WAL mode allows beside the unit's own. (Not
// read-only: after a SIGKILL the first reader may have to recover the WAL.)
func ledgerCount(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM entries").Scan(&n); err != nil {
		return -1 // not created yet
	}
	return n
}

// ledgerEntries reads a stopped unit's whole ledger.
func ledgerEntries(t *testing.T, path string) []wire.Entry {
	t.Helper()
	l, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	es, err := l.Entries(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// ledgerEntriesLive reads a running unit's ledger through a second
// connection (WAL allows it beside the unit's own).
func ledgerEntriesLive(t *testing.T, path string) []wire.Entry {
	t.Helper()
	es := ledgerEntries(t, path)
	if len(es) == 0 {
		t.Fatalf("%s: no entries", strings.TrimSuffix(filepath.Base(filepath.Dir(path)), "/"))
	}
	return es
}

// assertExactlyOnce compares a ledger with the cloud's copy of it.
func assertExactlyOnce(t *testing.T, logged, cloud []wire.Entry) {
	t.Helper()
	if holdsExactlyOnce(t, logged, cloud) {
		return
	}
	stored := map[string]bool{}
	for _, e := range cloud {
		stored[e.ID] = true
	}
	for _, e := range logged {
		if !stored[e.ID] {
			t.Fatalf("logged entry seq %d (%s) missing from the cloud", e.Seq, e.ID)
		}
	}
	t.Fatalf("cloud holds %d entries, the ledger %d", len(cloud), len(logged))
}

// holdsExactlyOnce says whether the cloud holds every entry of a ledger
// (a snapshot, for a running unit, taken after inCloud was read). What
// can never be put right fails the test: an entry stored twice, or one
// the ledger does not have.
func holdsExactlyOnce(t *testing.T, logged, inCloud []wire.Entry) bool {
	t.Helper()
	inLedger := map[string]uint64{}
	for _, e := range logged {
		inLedger[e.ID] = e.Seq
	}
	seen := map[string]bool{}
	for _, e := range inCloud {
		if seen[e.ID] {
			t.Fatalf("entry %s stored twice", e.ID)
		}
		seen[e.ID] = true
		if seq, ok := inLedger[e.ID]; !ok || seq != e.Seq {
			t.Fatalf("the cloud holds entry seq %d (%s), which the ledger does not", e.Seq, e.ID)
		}
	}
	return len(inCloud) == len(logged)
}
