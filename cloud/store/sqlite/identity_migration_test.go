package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/storetest"
)

// A database from before (site, unit) was the identity keeps everything it
// held: entries, the unit and its watermark, counts, credentials, and a
// unit's policy, now named "site/unit"; and it then takes gate-1 of
// another site as another unit.
func TestSQLiteMigrationToSiteUnitIdentityKeepsWhatWasStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	old := openAtVersion(t, path, storetest.StepBefore(t, migrations, "CREATE TABLE entries_by_site"))
	for _, q := range []string{
		`INSERT INTO entries (` + store.EntryColumns + `) VALUES ('e1', 'site-a', 'gate-1', 1, 'b', 'in',
			'2022-04-01T08:00:00Z', 1, 1648800000000000000, 1648800000000000000, NULL, NULL, 'none', 'none', '',
			'allow', '[]', 'p1', 0, '{}', NULL, NULL)`,
		`INSERT INTO units (unit, site, acked_seq) VALUES ('gate-1', 'site-a', 1)`,
		`INSERT INTO rollups (unit, site, hour, metric, n) VALUES ('gate-1', 'site-a', 1648800000, 'total', 1)`,
		`INSERT INTO device_credentials (unit, site, role, password_hash, enrolled_at) VALUES ('gate-1', 'site-a', 'unit', '$7$h', 1)`,
		`INSERT INTO assignments VALUES ('unit', 'gate-1', 'class-b', 'v1', '{}', 'x', 1)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if seq, err := s.AckedSeq(ctx, store.UnitID{Site: "site-a", Unit: "gate-1"}); err != nil || seq != 1 {
		t.Fatalf("watermark %d, %v; want 1 kept", seq, err)
	}
	if c, err := s.DeviceCredential(ctx, store.UnitID{Site: "site-a", Unit: "gate-1"}); err != nil || c.PasswordHash != "$7$h" {
		t.Fatalf("credential %+v, %v; want it kept", c, err)
	}
	if as, err := s.Assignments(ctx); err != nil || len(as) != 1 || as[0].Target != "site-a/gate-1" {
		t.Fatalf("assignments %+v, %v; want the unit named site-a/gate-1", as, err)
	}
	other := entry("site-b", "gate-1", 1)
	other.ID = "b-1"
	if n := put(t, s, received, other); n != 1 {
		t.Fatalf("site-b's gate-1 seq 1: %d stored, want 1", n)
	}
	if n := countRows(t, s.db, "SELECT count(*) FROM unit_totals WHERE site = 'site-a' AND n = 1"); n != 1 {
		t.Fatalf("site-a's hourly total rebuilt %d times, want once", n)
	}
}
