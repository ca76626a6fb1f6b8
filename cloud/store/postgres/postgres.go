// Package postgres is the collector's store in a PostgreSQL database, for
// when a city outgrows one machine: postgres.Open(ctx, dsn).
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the store backed by a PostgreSQL database, for when a city
// outgrows one machine: several collectors share the load, each with its
// own Postgres on the same database. It behaves exactly as SQLite does
// (both run cloud/store/storetest's suites); what differs is
// only how it stays correct with several writers (see PutEntries).
//
// It speaks pgx natively, through a pool: batches travel as arrays in one
// statement, and pgx caches each statement's plan per connection.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the database dsn names (a postgres:// URL or
// key=value string) and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included; say only what to fix.
		return nil, errors.New("store: postgres DSN is not a valid postgres:// URL or key=value string")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: postgres %s: %w", where(cfg), err)
	}
	p := &Store{pool: pool}
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: postgres %s: %w", where(cfg), err)
	}
	return p, nil
}

// where names the database for error messages, without credentials.
func where(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// Close closes the pool's connections once they are returned; pending
// writes have already committed.
func (p *Store) Close() error {
	p.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (p *Store) Ping(ctx context.Context) error {
	if err := p.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// migrationLock is the pg_advisory_xact_lock key every Kakou collector
// takes to migrate ("kakou" in ASCII), so collectors starting together
// apply each step once, one after the other.
const migrationLock = 0x6b616b6f75

// migrate applies the missing steps of pgMigrations, each in its own
// transaction with the step recorded in schema_migrations, so a crash
// leaves the schema at either the old or the new version.
func (p *Store) migrate(ctx context.Context) error {
	for {
		done, err := p.step(ctx)
		if err != nil || done {
			return err
		}
	}
}

// step applies the first missing migration under the lock; done says
// there was none.
func (p *Store) step(ctx context.Context) (done bool, err error) {
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INT PRIMARY KEY,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`)
		if err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		switch {
		case have > len(pgMigrations):
			return fmt.Errorf("schema version %d is newer than this build knows (%d); run a newer kakou-cloud",
				have, len(pgMigrations))
		case have == len(pgMigrations):
			done = true
			return nil
		}
		if _, err := tx.Exec(ctx, pgMigrations[have]); err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", have+1, err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, have+1)
		return err
	})
	return done, err
}
