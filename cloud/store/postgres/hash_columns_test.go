package postgres

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/cloud/store/storetest"
)

func TestPostgresVisitorsStoredBeforeTheHashColumnsAreFound(t *testing.T) {
	dsn := pgtest.Start(t)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{pool: pool}
	for range storetest.StepBefore(t, pgMigrations, "DROP EXPRESSION") {
		if _, err := old.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	q, args := storetest.OldEntryInsert(t, storetest.Visiting("mart", "door-1", 1, storetest.PersonID, storetest.PersonPhone), func(i int) string { return fmt.Sprintf("$%d", i) })
	if _, err := pool.Exec(ctx, q, args...); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	p, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	storetest.AfterHashMigration(t, p, func(q string) int {
		var n int
		if err := p.pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}
