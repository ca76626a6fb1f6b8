package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// busyTimeoutMS bounds how long a statement waits for a lock held by another
// process (an operator's sqlite3 shell, a backup) before failing.
const busyTimeoutMS = 5000

// Ledger is the unit's entry log. Its methods are safe for concurrent use.
type Ledger struct {
	db   *sql.DB
	path string
	st   stmts
}

// Open opens or creates the ledger at path and brings its schema up to date.
func Open(path string) (*Ledger, error) {
	dsn, err := dataSource(path)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("ledger: open %s: %w", path, err)
	}
	// One connection: see "Connections" in doc.go.
	db.SetMaxOpenConns(1)
	l := &Ledger{db: db, path: path}
	if err := l.init(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	if l.st, err = prepare(context.Background(), db); err != nil {
		db.Close()
		return nil, fmt.Errorf("ledger: open %s: %w", path, err)
	}
	return l, nil
}

// stmts are the statements the uplink and the gate run over and over,
// prepared once at Open so SQLite parses them once: a backlog drain reads
// and marks a batch every few milliseconds. database/sql prepares them
// again by itself on a connection that replaces a broken one.
type stmts struct {
	lastSeq, insert, pending, pendingAlerts, mark *sql.Stmt
}

func prepare(ctx context.Context, db *sql.DB) (stmts, error) {
	var s stmts
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&s.lastSeq, lastSeqQuery},
		{&s.insert, insertQuery},
		{&s.pending, pendingQuery},
		{&s.pendingAlerts, pendingAlertsQuery},
		{&s.mark, markQuery},
	} {
		st, err := db.PrepareContext(ctx, p.q)
		if err != nil {
			s.close()
			return stmts{}, fmt.Errorf("prepare %q: %w", p.q, err)
		}
		*p.dst = st
	}
	return s, nil
}

// close finalizes the statements; Close calls it before it closes the
// connection they were prepared on.
func (s *stmts) close() {
	for _, st := range []*sql.Stmt{s.lastSeq, s.insert, s.pending, s.pendingAlerts, s.mark} {
		if st != nil {
			st.Close()
		}
	}
}

// journalLimitBytes is what the WAL file is truncated back to after a
// checkpoint, so one large eviction does not leave a large file behind.
const journalLimitBytes = 4 << 20

// dataSource builds the DSN. The pragmas ride in it so the driver applies
// them to every connection it opens, including one that replaces a broken
// connection long after Open returned. _txlock=immediate takes the write lock
// at BEGIN, so a transaction that reads before it writes (Append) can never
// fail half-way on a lock upgrade. auto_vacuum comes first: it only takes
// effect on a database that has no tables yet (see "Disk space" in doc.go).
func dataSource(path string) (string, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return "", fmt.Errorf("ledger: open %q: path must be non-empty and contain no '?' or '#'", path)
	}
	q := url.Values{}
	q.Add("_pragma", "auto_vacuum(INCREMENTAL)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", journalLimitBytes))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	// secure_delete zeroes what retention deletes: a purged visitor's
	// registration must leave the disk, not linger in a free page (SECURITY.md
	// "PII minimisation").
	q.Add("_pragma", "secure_delete(ON)")
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode(), nil
}

func (l *Ledger) init(ctx context.Context) error {
	if err := l.checkPragmas(ctx); err != nil {
		return err
	}
	if err := migrate(ctx, l.db); err != nil {
		return fmt.Errorf("ledger: open %s: %w", l.path, err)
	}
	return nil
}

// checkPragmas proves the durability settings took effect. SQLite quietly
// keeps its old journal mode when WAL is unavailable (some network and FUSE
// file systems), and a ledger that is not what it claims should fail at boot,
// not after a power cut.
func (l *Ledger) checkPragmas(ctx context.Context) error {
	var mode string
	var sync int
	if err := l.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("ledger: open %s: %w", l.path, err)
	}
	if err := l.db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("ledger: open %s: %w", l.path, err)
	}
	if !strings.EqualFold(mode, "wal") || sync != 2 {
		return fmt.Errorf("ledger: open %s: journal_mode=%s synchronous=%d, want wal and 2 (FULL)",
			l.path, mode, sync)
	}
	return nil
}

// Close checkpoints the WAL into the database file and closes it.
func (l *Ledger) Close() error {
	l.st.close()
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("ledger: close %s: %w", l.path, err)
	}
	return nil
}

// migrations bring a database from user_version i to i+1. Append only: a
// shipped migration is never edited, because units in the field have already
// run it.
var migrations = []string{
	// 1: the entry log.
	`CREATE TABLE entries (
		seq          INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, even after a purge
		id           TEXT    NOT NULL UNIQUE,           -- wire.Entry.ID
		time         INTEGER NOT NULL,                  -- wire.Entry.Time, Unix microseconds
		decision     TEXT    NOT NULL,                  -- wire.Entry.Decision
		body         TEXT    NOT NULL,                  -- wire.Entry as JSON, seq included
		delivered_at INTEGER                            -- Unix microseconds; NULL until delivered
	);
	CREATE INDEX entries_undelivered ON entries(seq) WHERE delivered_at IS NULL;`,
	// The guard console counts today's entries every few seconds.
	`CREATE INDEX entries_time ON entries(time);`,
	// 3: alerts jump the uplink's queue, and retention finds old deliveries
	// without reading the rows it keeps. Undelivered alerts logged by older
	// firmware are found in their JSON; delivered ones no longer matter.
	`ALTER TABLE entries ADD COLUMN alert INTEGER NOT NULL DEFAULT 0; -- 1 when wire.Entry.Alert is set
	UPDATE entries SET alert = 1
		WHERE delivered_at IS NULL AND COALESCE(json_extract(body, '$.alert'), '') <> '';
	CREATE INDEX entries_undelivered_alerts ON entries(seq) WHERE delivered_at IS NULL AND alert = 1;
	CREATE INDEX entries_delivered ON entries(delivered_at) WHERE delivered_at IS NOT NULL;`,
	// 4: the uplink publishes the stored body as it is and routes it by
	// these columns, so draining a backlog never decodes an entry. Entries
	// older firmware left undelivered get them from their JSON; delivered
	// ones are never sent again, and rewriting every row of a full ledger
	// at boot would need the very disk space it lacks.
	`ALTER TABLE entries ADD COLUMN site TEXT NOT NULL DEFAULT ''; -- wire.Entry.Site
	ALTER TABLE entries ADD COLUMN unit TEXT NOT NULL DEFAULT ''; -- wire.Entry.Unit
	UPDATE entries SET site = COALESCE(json_extract(body, '$.site'), ''),
		unit = COALESCE(json_extract(body, '$.unit'), '')
		WHERE delivered_at IS NULL;`,
	// 5: every screen of a lane polls today's counts each second, and a
	// busy lane logs tens of thousands of entries a day: counting them
	// row by row cost a Pi a large part of its CPU. A trigger keeps a tally
	// per quarter hour (every time zone's midnight falls on one) in the
	// same transaction as the entry; Counts sums a day's 96 rows.
	`CREATE TABLE quarter_counts (
		quarter  INTEGER NOT NULL, -- wire.Entry.Time in Unix microseconds / quarterMicros
		decision TEXT    NOT NULL,
		n        INTEGER NOT NULL,
		PRIMARY KEY (quarter, decision)
	) WITHOUT ROWID;
	INSERT INTO quarter_counts SELECT time / 900000000, decision, COUNT(*) FROM entries
		WHERE decision <> '' GROUP BY 1, 2;
	CREATE TRIGGER entries_tally AFTER INSERT ON entries WHEN NEW.decision <> '' BEGIN
		INSERT INTO quarter_counts (quarter, decision, n) VALUES (NEW.time / 900000000, NEW.decision, 1)
			ON CONFLICT (quarter, decision) DO UPDATE SET n = n + 1;
	END;`,
	// 6: a restarted lane finds who it holds for sampling (holds.go).
	migrateHolds,
	// 7: one pass per household: uses, resets and adjustments (households.go).
	migrateHouseholds,
	// 8: one booking admits once per lane (venue.go).
	migrateVenue,
}

// migrate applies the migrations the database has not seen yet.
func migrate(ctx context.Context, db *sql.DB) error {
	var have int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this firmware's %d", have, len(migrations))
	}
	for v := have; v < len(migrations); v++ {
		if err := applyMigration(ctx, db, v+1, migrations[v]); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs one migration and records its number in the same
// transaction (user_version lives in the database header, which SQLite
// journals like any page), so a crash leaves the schema either before or
// after the step, never between.
func applyMigration(ctx context.Context, db *sql.DB, version int, stmt string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %d: %w", version, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("migration %d: %w", version, err)
	}
	// PRAGMA takes no bound parameters; version is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		return fmt.Errorf("migration %d: set user_version: %w", version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %d: commit: %w", version, err)
	}
	return nil
}
