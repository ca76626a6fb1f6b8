package store

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/firmware/wire"
)

// TestMain stops the PostgreSQL server pgtest may have started.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// openPG opens a Postgres store on a fresh database of the test server;
// without PostgreSQL the test skips (see pgtest).
func openPG(t testing.TB) *Postgres {
	t.Helper()
	p, err := OpenPostgres(ctx, pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// conformer is every method both backends implement (ISSUE6-STORE.md).
type conformer interface {
	PutEntries(context.Context, []wire.Entry, time.Time) (PutResult, error)
	PutStatus(context.Context, wire.Status, time.Time) error
	Entries(context.Context, Query) ([]Record, error)
	Units(context.Context, time.Time) ([]Unit, error)
	AckedSeq(context.Context, UnitID) (uint64, error)
	SetWatermark(context.Context, UnitID, uint64) (Watermark, error)
	DeadLetters(context.Context, int) ([]DeadLetter, error)
	Rollups(context.Context, RollupQuery) ([]RollupRow, error)
	PutSites(context.Context, []Site) error
	Sites(context.Context) ([]Site, error)
	Alerts(context.Context, AlertQuery) ([]Alert, error)
	AckAlert(ctx context.Context, id, by, action string, at time.Time) (Alert, error)
	Trace(context.Context, TraceQuery) ([]Visit, error)
	PutAudit(context.Context, AuditRecord) error
	Audit(context.Context, int) ([]AuditRecord, error)
	PutAssignment(context.Context, Assignment) error
	Assignments(context.Context) ([]Assignment, error)
	Ping(context.Context) error
	Close() error
}

var (
	_ conformer = (*SQLite)(nil)
	_ conformer = (*Postgres)(nil)
)

// backend opens a fresh, empty store of one kind for one test.
type backend struct {
	name string
	open func(t *testing.T) conformer
}

func backends(*testing.T) []backend {
	return []backend{
		{"sqlite", func(t *testing.T) conformer { return openTemp(t) }},
		{"postgres", func(t *testing.T) conformer { return openPG(t) }},
	}
}

func TestOpenPostgresKeepsDataAndSchemaAcrossReopen(t *testing.T) {
	dsn := pgtest.Start(t)
	p, err := OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PutEntries(ctx, seqs("u1", 1, 2), received); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if p, err = OpenPostgres(ctx, dsn); err != nil {
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
	if seq, err := p.AckedSeq(ctx, UnitID{"site-a", "u1"}); err != nil || seq != 2 {
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
			p, err := OpenPostgres(ctx, dsn)
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
	_, err := OpenPostgres(ctx, dsn)
	if err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("OpenPostgres = %v, want a newer-schema error", err)
	}
}

func TestOpenPostgresErrorsDoNotShowThePassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://kakou:s3cret@127.0.0.1:1/kakou?sslmode=disable&connect_timeout=1",
		"postgres://kakou:s3cret@127.0.0.1:1/kakou?sslmode=bogus",
	} {
		_, err := OpenPostgres(ctx, dsn)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("OpenPostgres(%q) = %v, want an error without the password", dsn, err)
		}
	}
}

func openPGAt(t *testing.T, dsn string) *Postgres {
	t.Helper()
	p, err := OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
