package postgres

import (
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/pgtest"
)

// TestMain stops the PostgreSQL server pgtest may have started.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// openPG opens a Postgres store on a fresh database of the test server;
// without PostgreSQL the test skips (see pgtest).
func openPG(t testing.TB) *Store {
	t.Helper()
	p, err := Open(ctx, pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestOpenPostgresKeepsDataAndSchemaAcrossReopen(t *testing.T) {
	dsn := pgtest.Start(t)
	p, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PutEntries(ctx, seqs("u1", 1, 2), received); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if p, err = Open(ctx, dsn); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer p.Close()
	var version, rows int
	if err := p.pool.QueryRow(ctx, `SELECT max(version), count(*) FROM schema_migrations`).Scan(&version, &rows); err != nil {
		t.Fatal(err)
	}
	if version != len(pgMigrations) || rows != len(pgMigrations) {
		t.Fatalf("schema_migrations: version %d in %d rows, want %d in %d", version, rows, len(pgMigrations), len(pgMigrations))
	}
	if seq, err := p.AckedSeq(ctx, store.UnitID{Site: "site-a", Unit: "u1"}); err != nil || seq != 2 {
		t.Fatalf("after reopen acked_seq %d (%v), want 2", seq, err)
	}
}

// Collectors started together must migrate once: the advisory lock makes
// the others wait, then find nothing to do.
func TestOpenPostgresMigratesOnceWhenCollectorsStartTogether(t *testing.T) {
	dsn := pgtest.Start(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			p, err := Open(ctx, dsn)
			if err == nil {
				p.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent open: %v", err)
	}
	p := openPGAt(t, dsn)
	var rows int
	p.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows)
	if rows != len(pgMigrations) {
		t.Fatalf("%d migrations recorded, want %d", rows, len(pgMigrations))
	}
}

func TestOpenPostgresRefusesDatabaseFromNewerBuild(t *testing.T) {
	dsn := pgtest.Start(t)
	p := openPGAt(t, dsn)
	if _, err := p.pool.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, len(pgMigrations)+1); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, dsn)
	if err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("Open = %v, want a newer-schema error", err)
	}
}

func TestOpenPostgresErrorsDoNotShowThePassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://kakou:s3cret@127.0.0.1:1/kakou?sslmode=disable&connect_timeout=1",
		"postgres://kakou:s3cret@127.0.0.1:1/kakou?sslmode=bogus",
	} {
		_, err := Open(ctx, dsn)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) = %v, want an error without the password", dsn, err)
		}
	}
}

func openPGAt(t *testing.T, dsn string) *Store {
	t.Helper()
	p, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
