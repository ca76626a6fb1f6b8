package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

func TestReportsConformance(t *testing.T) {
	storetest.Reports(t, func(t *testing.T) storetest.ReportStore { return openTemp(t) })
}

// A database from before 人工放行 was counted apart gets its stored
// entries' overrides that let someone in counted by the migration, in
// the hour they happened, for the site, the unit and the whole fleet.
func TestMigrationCountsStoredOverridesThatLetSomeoneIn(t *testing.T) {
	s := openTemp(t)
	admit := storetest.Entry("garden", "gate-in", 1)
	admit.Override = &wire.Override{By: "guard-1", Reason: "known resident"}
	deny := storetest.Entry("garden", "gate-in", 2)
	deny.Decision, deny.Override = wire.Deny, &wire.Override{By: "guard-1", Reason: "no proof"}
	put(t, s, storetest.Received, admit, deny)
	// As an older build stored them: no override_admit rollups.
	if _, err := s.w.Exec(`DELETE FROM rollups WHERE metric = 'override_admit';
		DELETE FROM site_rollups WHERE metric = 'override_admit'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(migrateOverrideAdmit); err != nil {
		t.Fatal(err)
	}
	for _, by := range []string{"site", "unit", "all"} {
		rows, err := s.Rollups(context.Background(), store.RollupQuery{By: by, Since: storetest.T0.Add(-time.Hour),
			Until: storetest.T0.Add(time.Hour)})
		if err != nil || len(rows) != 1 {
			t.Fatalf("by %s: %+v, %v", by, rows, err)
		}
		if n := rows[0].Counts[store.MetricOverrideAdmit]; n != 1 || !rows[0].Hour.Equal(storetest.T0) {
			t.Errorf("by %s: override_admit %d at %v, want 1 at %v", by, n, rows[0].Hour, storetest.T0)
		}
	}
}
