// Package store is the site gateway's durable memory: every entry its
// units published on the LAN, stored idempotently by id and by (unit, seq);
// each unit's local watermark (how far its entries are stored without a
// gap, which the gateway acknowledges to the unit) and how far the cloud
// has acknowledged them; the grants last published to each entrance lane;
// and the staff's audited corrections of the occupancy count.
//
// It is SQLite (modernc.org/sqlite, no cgo, so it cross-compiles for a Pi)
// in WAL mode with synchronous=FULL: the gateway acknowledges an entry to
// its unit once it is stored here, and the unit then forgets it, so a
// power cut must not lose a committed transaction (docs/architecture.md
// "The ledger is the truth").
//
// Times are INTEGER unix nanoseconds in UTC.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is the gateway's SQLite database. Its methods are safe for
// concurrent use; writes are serialised by mu so the watermark walk of one
// Add never races another's insert for the same unit.
type Store struct {
	db *sql.DB
	mu sync.Mutex // serialises write transactions
}

// dsnParams apply to every pooled connection. FULL sync: see the package
// comment. Immediate transactions take the write lock up front, so a writer
// waits on busy_timeout instead of failing to upgrade a read lock.
// secure_delete zeroes what retention deletes (purge.go), so a purged
// visitor's registration does not linger in a free page.
const dsnParams = "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
	"&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_txlock=immediate"

const schema = `
CREATE TABLE IF NOT EXISTS entries (
	row         INTEGER PRIMARY KEY AUTOINCREMENT,
	id          TEXT NOT NULL UNIQUE,
	site        TEXT NOT NULL,
	unit        TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	lane        TEXT NOT NULL,
	decision    TEXT NOT NULL,
	ts          INTEGER NOT NULL,
	stored_at   INTEGER NOT NULL,
	alert       TEXT NOT NULL DEFAULT '',
	body        BLOB NOT NULL,
	cloud_acked INTEGER NOT NULL DEFAULT 0,
	UNIQUE (unit, seq)
);
CREATE INDEX IF NOT EXISTS entries_pending ON entries (row) WHERE cloud_acked = 0;
CREATE INDEX IF NOT EXISTS entries_ts ON entries (ts);
CREATE TABLE IF NOT EXISTS units (
	unit      TEXT PRIMARY KEY,
	site      TEXT NOT NULL,
	lane      TEXT NOT NULL DEFAULT '',
	started   INTEGER NOT NULL DEFAULT 0,
	local_seq INTEGER NOT NULL DEFAULT 0,
	cloud_seq INTEGER NOT NULL DEFAULT 0,
	last_seen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS grants (
	unit      TEXT PRIMARY KEY,
	after_seq INTEGER NOT NULL,
	allowance INTEGER NOT NULL,
	flow_seq  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS corrections (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	count    INTEGER NOT NULL,
	previous INTEGER NOT NULL,
	reason   TEXT NOT NULL,
	by       TEXT NOT NULL,
	at       INTEGER NOT NULL,
	by_id    TEXT NOT NULL DEFAULT '',
	entry    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);`

// Open opens or creates the database at path (a file in the gateway's
// data directory).
func Open(path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("store: path %q must be a file name without '?'", path)
	}
	db, err := sql.Open("sqlite", "file:"+path+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if _, err := db.ExecContext(context.Background(), schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: create schema: %w", path, err)
	}
	if err := migrateCorrections(context.Background(), db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: migrate corrections: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database; every acknowledged write has committed.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// write runs fn in one immediate transaction, serialised with other writes.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Setting reads a value the gateway keeps across restarts ("" when unset).
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting keeps a value across restarts, such as the capacity the
// cloud's last policy push set: the LAN broker's retained copy dies with
// the process.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set %s: %w", key, err)
	}
	return nil
}
