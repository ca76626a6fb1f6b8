package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/storetest"
)

// An upgrade gives the alerts already stored their kind's severity and
// counts them noticed: nobody is paged for last month's fevers.
func TestSQLiteMigrationToNotificationsPagesNobodyForOldAlerts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	old := openAtVersion(t, path, storetest.StepBefore(t, migrations, "CREATE TABLE notifications"))
	for _, kind := range []string{"fever", "overstay", "device"} {
		if _, err := old.Exec(`INSERT INTO alerts (id, site, unit, kind, raised_at) VALUES (?, 'garden', 'gate-1', ?, 1)`,
			"old-"+kind, kind); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.UnnoticedAlerts(ctx, 10); err != nil || len(got) != 0 {
		t.Errorf("unnoticed after the upgrade: %+v, %v; want none", got, err)
	}
	want := map[string]string{"old-fever": store.SeverityHigh, "old-overstay": store.SeverityLow, "old-device": store.SeverityMedium}
	stored := map[string]string{}
	rows, err := s.db.Query(`SELECT id, severity FROM alerts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, sev string
		if err := rows.Scan(&id, &sev); err != nil {
			t.Fatal(err)
		}
		stored[id] = sev
	}
	for id, sev := range want {
		if stored[id] != sev {
			t.Errorf("%s stored with severity %q, want %q", id, stored[id], sev)
		}
	}
}
