// Package sqlite is the collector's store in one SQLite file
// (modernc.org/sqlite, no cgo) in WAL mode, the default: sqlite.Open(path).
// It keeps the contract cloud/store writes down and cloud/store/storetest
// checks, the same as the PostgreSQL backend; times are INTEGER unix
// nanoseconds in UTC (see cloud/store).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite"
)

// Store is the store backed by one SQLite file.
type Store struct {
	// w is the one connection every write goes through, db the pool the
	// dashboard reads from. SQLite lets one connection write at a time
	// anyway: writers now queue in Go and take the connection the moment
	// it is free, where two connections' writes met SQLITE_BUSY and slept
	// in the busy handler. The writer's page cache is never emptied by
	// another connection's commit, and a read holding a pooled connection
	// never hands ingest a cold one. (BenchmarkPutEntriesWhileReading and
	// BenchmarkIngestThroughput measured the same throughput both ways on
	// a warm OS cache: this is about order and latency, not speed.)
	w, db *sql.DB
	// stmts and sized are the writes' statements, prepared on w at Open: a
	// batch of a few entries would otherwise spend more time parsing SQL
	// than storing. Read-only after Open.
	stmts     map[string]*sql.Stmt
	sized     map[stmtKey]*sql.Stmt
	fleetSize atomic.Int64 // units in the last Units listing, to size the next
	// loc is where "today" starts for each unit's day counter; see
	// SetTimezone.
	loc *time.Location
}

// SetTimezone says where the checkpoints' day starts (the collector's
// timezone): the fleet view's count of each unit's entries today is kept
// up to date at ingest for that day. Call it before storing; a fleet view
// asked for another day start is summed from the hourly totals instead.
func (s *Store) SetTimezone(loc *time.Location) { s.loc = loc }

// dsnParams are applied by the driver to the writer's connection. WAL lets
// the dashboard read while ingest writes; synchronous NORMAL may lose the
// last transactions on power loss but never corrupts, and the units re-send
// whatever the cloud did not acknowledge. Immediate transactions take the
// write lock up front, so two writers queue on busy_timeout instead of
// failing with SQLITE_BUSY when a read lock cannot be upgraded.
// secure_delete zeroes what retention deletes (people.go), so a
// purged visitor does not linger in a free page. temp_store keeps the
// statement journal of each multi-row INSERT in memory: in a temp file it
// took a third of the store's CPU (profile of BenchmarkPutEntriesFleet).
// The price: temp tables and sorts that outgrow the cache use RAM too.
const dsnParams = "?_journal_mode=WAL&_busy_timeout=5000&_synchronous=NORMAL&_txlock=immediate&_pragma=cache_size(-65536)&_pragma=wal_autocheckpoint(16384)&_pragma=secure_delete(1)&_pragma=temp_store(2)"

// readParams are applied to the readers' connections. query_only makes a
// write that strays onto the read pool fail instead of taking the write
// lock behind the writer's back and emptying its cache.
const readParams = "?_busy_timeout=5000&_query_only=1&_pragma=cache_size(-65536)&_pragma=temp_store(2)"

// maxReaders is how many read connections stay open between requests.
const maxReaders = 8

// Open opens or creates the database at path and brings its schema up to
// date.
func Open(path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("store: path %q must be a file name without '?'", path)
	}
	w, err := sql.Open("sqlite", path+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	db, err := sql.Open("sqlite", path+readParams)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Keep the readers' connections open between requests: a new one
	// starts with an empty page cache and must parse the schema again,
	// which the default of two idle connections made every dashboard poll
	// and every report (whose reads run at once) pay for.
	db.SetMaxIdleConns(maxReaders)
	s := &Store{w: w, db: db, stmts: map[string]*sql.Stmt{}, sized: map[stmtKey]*sql.Stmt{}, loc: time.Local}
	// The writer migrates first: it makes the file, and WAL mode, that
	// the readers open.
	err = s.migrate(context.Background())
	if err == nil {
		err = s.prepare(context.Background())
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database; pending writes have already committed.
func (s *Store) Close() error {
	if err := errors.Join(s.db.Close(), s.w.Close()); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the database file can still be read.
func (s *Store) Ping(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// migrations are applied in order; PRAGMA user_version records how many
// have run. Append to the list, never edit a released step.
var migrations = []string{
	`CREATE TABLE entries (
		id                 TEXT PRIMARY KEY,
		site               TEXT NOT NULL,
		unit               TEXT NOT NULL,
		seq                INTEGER NOT NULL,
		boot_id            TEXT NOT NULL,
		lane               TEXT NOT NULL,
		time               TEXT NOT NULL,    -- the unit's clock, RFC 3339 as sent
		clock_synced       INTEGER NOT NULL,
		ts                 INTEGER NOT NULL, -- time if clock_synced, else received_at
		received_at        INTEGER NOT NULL,
		raw_c              REAL,             -- NULL when no temperature was taken
		corrected_c        REAL,
		credential_kind    TEXT NOT NULL,
		credential_result  TEXT NOT NULL,
		credential_subject TEXT NOT NULL,
		decision           TEXT NOT NULL,
		reasons            TEXT NOT NULL,    -- JSON array of wire.Reason
		policy_version     TEXT NOT NULL,
		UNIQUE (unit, seq)
	);
	CREATE INDEX entries_site_ts ON entries (site, ts);
	CREATE INDEX entries_unit_ts ON entries (unit, ts);
	CREATE TABLE units (
		unit           TEXT PRIMARY KEY,
		site           TEXT NOT NULL,
		facility       TEXT NOT NULL DEFAULT '',
		lane           TEXT NOT NULL DEFAULT '',
		state          TEXT NOT NULL DEFAULT '', -- '' until a status arrives
		firmware       TEXT NOT NULL DEFAULT '',
		policy_version TEXT NOT NULL DEFAULT '',
		boot_id        TEXT NOT NULL DEFAULT '',
		last_seen      INTEGER                   -- NULL until heard from live
	);`,
	`ALTER TABLE units ADD COLUMN devices TEXT NOT NULL DEFAULT '[]'; -- JSON array of wire.Device`,
	// The end-to-end acknowledgement (store.Watermark) and what the units say
	// of their own backlog. Units already known start at their newest
	// entry: until now they counted an entry delivered on the broker's
	// PUBACK, so a gap in their history here can never be filled and must
	// not hold their acknowledgements back for ever.
	`ALTER TABLE units ADD COLUMN acked_seq INTEGER NOT NULL DEFAULT 0; -- 0 until the first entry
	ALTER TABLE units ADD COLUMN backlog INTEGER;                        -- NULL until an online status says
	ALTER TABLE units ADD COLUMN oldest_unacked INTEGER;                 -- NULL when nothing waits
	ALTER TABLE units ADD COLUMN disk_alarm INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE entries ADD COLUMN historical INTEGER NOT NULL DEFAULT 0;
	UPDATE units SET acked_seq = coalesce((SELECT max(seq) FROM entries e WHERE e.unit = units.unit), 0);`,
	`ALTER TABLE entries ADD COLUMN detail TEXT NOT NULL DEFAULT '{}'; -- JSON: alert, visitor, override, full temperature`,
	// Central monitoring: rollups (rollup.go here and in cloud/store), sites, alerts,
	// the audit trail and policy assignments. Entries stored before this
	// step are counted into the rollups once, here.
	`CREATE TABLE rollups (
		unit   TEXT NOT NULL,
		site   TEXT NOT NULL,
		hour   INTEGER NOT NULL, -- unix seconds of the UTC hour's start
		metric TEXT NOT NULL,
		n      INTEGER NOT NULL,
		PRIMARY KEY (unit, metric, hour)
	) WITHOUT ROWID;
	CREATE INDEX rollups_site_hour ON rollups (site, hour);
	CREATE TABLE site_rollups (
		site   TEXT NOT NULL,
		hour   INTEGER NOT NULL,
		metric TEXT NOT NULL,
		n      INTEGER NOT NULL,
		PRIMARY KEY (site, hour, metric)
	) WITHOUT ROWID;
	CREATE TABLE sites (
		site     TEXT PRIMARY KEY,
		name     TEXT NOT NULL,
		facility TEXT NOT NULL DEFAULT '',
		capacity INTEGER NOT NULL DEFAULT 0
	);
	-- covering: the sites' hourly and daily views read the index alone
	CREATE INDEX site_rollups_hour ON site_rollups (hour, site, metric, n);
	CREATE TABLE alerts (
		id          TEXT PRIMARY KEY,
		site        TEXT NOT NULL,
		unit        TEXT NOT NULL,
		kind        TEXT NOT NULL,
		raised_at   INTEGER NOT NULL,
		entry_id    TEXT NOT NULL DEFAULT '',
		detail      TEXT NOT NULL DEFAULT '',
		historical  INTEGER NOT NULL DEFAULT 0,
		acked_by    TEXT NOT NULL DEFAULT '',
		action      TEXT NOT NULL DEFAULT '',
		acked_at    INTEGER,
		resolved_at INTEGER
	);
	CREATE INDEX alerts_raised ON alerts (raised_at);
	CREATE INDEX alerts_open ON alerts (raised_at) WHERE acked_at IS NULL;
	CREATE TABLE audit (
		id        INTEGER PRIMARY KEY,
		at        INTEGER NOT NULL,
		user_name TEXT NOT NULL,
		role      TEXT NOT NULL,
		action    TEXT NOT NULL,
		detail    TEXT NOT NULL
	);
	CREATE TABLE assignments (
		scope       TEXT NOT NULL,
		target      TEXT NOT NULL,
		profile     TEXT NOT NULL,
		version     TEXT NOT NULL,
		document    TEXT NOT NULL,
		assigned_by TEXT NOT NULL,
		assigned_at INTEGER NOT NULL,
		PRIMARY KEY (scope, target)
	);`,
	// The fleet view lists units by site: read in order, not sorted.
	`CREATE INDEX units_site ON units (site, unit);`,
	// Each unit's hourly total apart from the other metrics: the fleet
	// view sums 10,000 units' day from it, and a narrow table stays in
	// the page cache where the full rollups (every metric) do not.
	`CREATE TABLE unit_totals (
		unit TEXT NOT NULL,
		hour INTEGER NOT NULL,
		n    INTEGER NOT NULL,
		PRIMARY KEY (unit, hour)
	) WITHOUT ROWID;
	INSERT INTO unit_totals SELECT unit, hour, n FROM rollups WHERE metric = 'total';`,
	// Each unit's count since the start of the day ingest is in (today,
	// the hour the local day starts in): the fleet view reads it instead
	// of summing 10,000 units' hours. NULL until the unit's next batch.
	`ALTER TABLE units ADD COLUMN today INTEGER;
	ALTER TABLE units ADD COLUMN today_n INTEGER NOT NULL DEFAULT 0;`,
	// The dashboard charts' metrics per site and hour (chart.go).
	`CREATE TABLE site_hours (
		hour  INTEGER NOT NULL,
		site  TEXT NOT NULL,
		total INTEGER NOT NULL,
		in_n  INTEGER NOT NULL,
		out_n INTEGER NOT NULL,
		fever INTEGER NOT NULL,
		PRIMARY KEY (hour, site)
	) WITHOUT ROWID;
	INSERT INTO site_hours SELECT hour, site,
		sum(CASE metric WHEN 'total' THEN n ELSE 0 END), sum(CASE metric WHEN 'in' THEN n ELSE 0 END),
		sum(CASE metric WHEN 'out' THEN n ELSE 0 END), sum(CASE metric WHEN 'fever' THEN n ELSE 0 END)
		FROM site_rollups GROUP BY hour, site;`,
	// A site gateway reports its status like a unit, with role 'gateway'.
	`ALTER TABLE units ADD COLUMN role TEXT NOT NULL DEFAULT '';`,
	// Dead letters (deadletters.go): MQTT messages ingest refused.
	`CREATE TABLE dead_letters (
		id          INTEGER PRIMARY KEY,
		topic       TEXT NOT NULL,
		payload     BLOB NOT NULL,    -- at most MaxDeadPayload bytes
		size        INTEGER NOT NULL, -- the payload's full length
		error       TEXT NOT NULL,
		received_at INTEGER NOT NULL
	);
	CREATE INDEX dead_letters_received ON dead_letters (received_at);`,
	// Device enrollment (devices.go): one-time tokens and the
	// credentials they became, both stored only as hashes.
	`CREATE TABLE enrollment_tokens (
		hash       TEXT PRIMARY KEY, -- SHA-256 of the token, hex
		site       TEXT NOT NULL,
		unit       TEXT NOT NULL,
		role       TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL,
		used_at    INTEGER           -- NULL until spent
	);
	CREATE TABLE device_credentials (
		unit          TEXT PRIMARY KEY, -- the MQTT user name
		site          TEXT NOT NULL,
		role          TEXT NOT NULL,
		password_hash TEXT NOT NULL,    -- mosquitto $7$ PBKDF2-SHA512
		enrolled_at   INTEGER NOT NULL
	);`,
	// Dashboard logins (sessions.go), shared by every replica; the
	// id is a hash of the cookie, never the cookie.
	`CREATE TABLE sessions (
		id         TEXT PRIMARY KEY, -- SHA-256 of the cookie value, hex
		user_name  TEXT NOT NULL,
		csrf       TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		seen_at    INTEGER NOT NULL
	);
	CREATE INDEX sessions_seen ON sessions (seen_at);`,
	// Tracing by number: a visitor is found by the keyed hashes of their ID number
	// and phone (people.go), never by the numbers, which no store
	// holds. Generated from the visitor in detail, so ingest is unchanged
	// and entries stored before this step are found too.
	`ALTER TABLE entries ADD COLUMN id_hash TEXT GENERATED ALWAYS AS (json_extract(detail, '$.visitor.id_hash')) VIRTUAL;
	ALTER TABLE entries ADD COLUMN phone_hash TEXT GENERATED ALWAYS AS (json_extract(detail, '$.visitor.phone_hash')) VIRTUAL;
	CREATE INDEX entries_id_hash ON entries (id_hash) WHERE id_hash IS NOT NULL;
	CREATE INDEX entries_phone_hash ON entries (phone_hash) WHERE phone_hash IS NOT NULL;`,
	// The hashes become plain columns that ingest writes: computing them
	// from detail made every INSERT keep a statement journal (a copy of
	// each page it touched) and cost a sixth of the store's time at the
	// fleet benchmark (docs/performance.md "Ingest"). Entries stored before
	// keep their hashes.
	`DROP INDEX entries_id_hash;
	DROP INDEX entries_phone_hash;
	ALTER TABLE entries DROP COLUMN id_hash;
	ALTER TABLE entries DROP COLUMN phone_hash;
	ALTER TABLE entries ADD COLUMN id_hash TEXT;
	ALTER TABLE entries ADD COLUMN phone_hash TEXT;
	UPDATE entries SET id_hash = json_extract(detail, '$.visitor.id_hash'),
		phone_hash = json_extract(detail, '$.visitor.phone_hash')
		WHERE json_type(detail, '$.visitor') IS NOT NULL;
	CREATE INDEX entries_id_hash ON entries (id_hash) WHERE id_hash IS NOT NULL;
	CREATE INDEX entries_phone_hash ON entries (phone_hash) WHERE phone_hash IS NOT NULL;`,
	unitIdentityStep,
	// A trace finds each visitor's exit (Trace): without this index every
	// visit scanned the rest of its site's window, and a day at a busy
	// site took seconds. Partial: only the exits a trace can match pay
	// for it at ingest.
	`CREATE INDEX entries_exits ON entries (site, credential_subject, ts)
		WHERE lane = 'out' AND decision = 'allow' AND credential_subject != '';`,
	// The guards who sign in at a site's consoles (guards.go): PIN
	// hashes only; version is the site's roster version of the last change.
	`CREATE TABLE guards (
		site       TEXT NOT NULL,
		id         TEXT NOT NULL,
		name       TEXT NOT NULL,
		pin_hash   TEXT NOT NULL,
		disabled   INTEGER NOT NULL,
		version    INTEGER NOT NULL,
		updated_at INTEGER NOT NULL,
		updated_by TEXT NOT NULL,
		PRIMARY KEY (site, id)
	);`,
	// Visits and their close-outs (visits.go): a few rows among many, so
	// a partial index on the same test VisitEntries makes.
	`CREATE INDEX entries_visits ON entries (site, ts) WHERE ` + visitRows + `;`,
	migrateUnitNames,     // names.go
	migrateOccupancy,     // occupancy.go
	migrateReports,       // named reports' runs and deliveries (reports.go)
	migrateOverrideAdmit, // 人工放行 of the entries already stored (reports.go)
	migrateNotify,        // alerts' severity and escalation, the notification outbox (notify.go)
	migrateStaff,         // staff rosters and the units' roll-call rounds (staff.go)
	migrateVehicles,      // the vehicle lanes' entries (vehicles.go)
	migrateHolds,         // holds for sampling and the results that release them (holds.go)
	migrateWatch,         // the centre's watch roster and its last push (watch.go)
	migrateHouseholds,    // one pass per household (households.go)
	migrateTrust,         // the centre's trust list: issuer keys, revoked passes, DCC signers (trust.go)
	migrateUpdates,       // each device's last reported program update (updates.go)
	migrateRollouts,      // each device's arch, the rollouts the centre started (rollouts.go)
	migrateVenue,         // registrations and bookings from the venue code's page (venue.go)
}

// prepare prepares the writes' statements on the writer, after migrate
// made their tables. Statements of many rows are prepared in each of their
// sizes: the writer's one connection is busy with the transaction by the
// time one is needed.
func (s *Store) prepare(ctx context.Context) error {
	for _, q := range []string{upsertUnit, nextSeqs, setAcked, startQuery, insertAlert, holders} {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %.40q: %w", q, err)
		}
		s.stmts[q] = st
	}
	for _, m := range sizedWrites {
		for _, n := range m.sizes {
			st, err := s.w.PrepareContext(ctx, m.sql(n))
			if err != nil {
				return fmt.Errorf("prepare %.40q of %d rows: %w", m.head, n, err)
			}
			s.sized[stmtKey{m.head, n}] = st
		}
	}
	return nil
}

// stmt is the prepared q within tx.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	return tx.StmtContext(ctx, s.stmts[q])
}

func (s *Store) migrate(ctx context.Context) error {
	var have int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this build knows (%d); run a newer kakou-cloud",
			have, len(migrations))
	}
	for i := have; i < len(migrations); i++ {
		if err := s.step(ctx, i+1, migrations[i]); err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", i+1, err)
		}
	}
	return nil
}

// afterStep holds what a migration does in Go, after its SQL.
var afterStep = map[int]func(context.Context, *sql.Tx) error{5: backfillRollups}

// step runs one migration and records it in the same transaction, so a
// crash leaves the schema at either the old or the new version.
func (s *Store) step(ctx context.Context, version int, ddl string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return err
		}
		if fn := afterStep[version]; fn != nil {
			if err := fn(ctx, tx); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version))
		return err
	})
}

func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// nanos and fromNanos convert at the SQL edge; a zero time is stored as NULL.
func nanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}
