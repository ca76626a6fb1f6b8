// Package pgtest runs a throwaway PostgreSQL server for the tests of the
// cloud store, so the PostgreSQL backend is tested against the real thing
// (docs/architecture.md "Real collaborators over mocks").
//
// One server is started per test binary, on first use, from the Debian
// packaging's binaries (/usr/lib/postgresql/<version>/bin) or from PATH; it
// listens on 127.0.0.1 on an ephemeral port and on a unix socket in its own
// temporary directory, with fsync off, so it never touches a system cluster
// and costs little. Every test gets its own empty database on it.
//
// Without PostgreSQL the tests skip, unless KAKOU_INTEGRATION=1 says CI
// must run them: then they fail and say to run .ci/deps.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	once     sync.Once
	shared   *server
	startErr error
	dbs      atomic.Int64 // databases created, for unique names
)

// Start returns the DSN of a new, empty database for t on the test
// binary's PostgreSQL server, starting the server if this is the first
// call. The database is dropped when t ends. Call Stop from TestMain to
// shut the server down and remove its files; a server left running stops
// by itself when the test binary exits.
func Start(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("PostgreSQL tests are skipped under -short")
	}
	once.Do(func() { shared, startErr = start() })
	var missing *missingError
	switch {
	case errors.As(startErr, &missing) && os.Getenv("KAKOU_INTEGRATION") == "1":
		t.Fatalf("%v, and KAKOU_INTEGRATION=1 requires it: run .ci/deps", startErr)
	case errors.As(startErr, &missing):
		t.Skipf("%v; run .ci/deps or set KAKOU_INTEGRATION=1 to require it", startErr)
	case startErr != nil:
		t.Fatalf("pgtest: %v", startErr)
	}
	name := fmt.Sprintf("test_%d", dbs.Add(1))
	if err := shared.admin(shared.createDatabase(name)); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// FORCE ends connections a test left open, so one leak does not
		// fail the next test's cleanup.
		if err := shared.admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	return shared.dsn(name)
}

// Stop shuts down the shared server, if one was started, and removes its
// data directory. Call it from TestMain after m.Run.
func Stop() {
	if shared != nil {
		shared.stop()
	}
}

// missingError says PostgreSQL cannot run here at all, which skips the
// tests rather than failing them.
type missingError struct{ why string }

func (e *missingError) Error() string { return "pgtest: " + e.why }

// admin runs one statement on the server's postgres database.
func (s *server) admin(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dsn("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// createDatabase is the statement that creates database name. From
// PostgreSQL 15, copying the template's files is several times faster
// than WAL-logging its blocks, the default, and durability is moot here.
func (s *server) createDatabase(name string) string {
	if s.version >= 150000 {
		return "CREATE DATABASE " + name + " STRATEGY FILE_COPY"
	}
	return "CREATE DATABASE " + name
}

func (s *server) dsn(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}
