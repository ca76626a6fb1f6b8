package postgres

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

func TestReportsConformance(t *testing.T) {
	storetest.Reports(t, func(t *testing.T) storetest.ReportStore { return openPG(t) })
}

// As SQLite's: the migration counts the stored overrides that let someone in.
func TestMigrationCountsStoredOverridesThatLetSomeoneIn(t *testing.T) {
	p := openPG(t)
	admit := entry("garden", "gate-in", 1)
	admit.Override = &wire.Override{By: "guard-1", Reason: "known resident"}
	deny := entry("garden", "gate-in", 2)
	deny.Decision, deny.Override = wire.Deny, &wire.Override{By: "guard-1", Reason: "no proof"}
	if _, err := p.PutEntries(ctx, []wire.Entry{admit, deny}, received); err != nil {
		t.Fatal(err)
	}
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM rollups WHERE metric = 'override_admit'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM site_rollups WHERE metric = 'override_admit'`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, pgMigrateOverrideAdmit)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, by := range []string{"site", "unit", "all"} {
		rows, err := p.Rollups(ctx, store.RollupQuery{By: by, Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour)})
		if err != nil || len(rows) != 1 {
			t.Fatalf("by %s: %+v, %v", by, rows, err)
		}
		if n := rows[0].Counts[store.MetricOverrideAdmit]; n != 1 || !rows[0].Hour.Equal(t0) {
			t.Errorf("by %s: override_admit %d at %v, want 1 at %v", by, n, rows[0].Hour, t0)
		}
	}
}
