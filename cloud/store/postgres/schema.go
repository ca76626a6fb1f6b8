package postgres

// pgMigrations are PostgreSQL's schema steps, applied in order by
// Store.migrate; schema_migrations records how many have run. Append to
// the list, never edit a released step. The first step creates the shape
// SQLite's migrations (cloud/store/sqlite) had reached when PostgreSQL support
// arrived, so the two hold the same columns with the same meaning: times
// are BIGINT unix nanoseconds (rollup hours unix seconds), as in SQLite.
//
// Every text column that is sorted or compared is COLLATE "C": byte order,
// as SQLite sorts, whatever locale the database was created with, so
// lists come out in the same order from both backends.
var pgMigrations = []string{
	`CREATE TABLE entries (
		id                 TEXT COLLATE "C" PRIMARY KEY,
		site               TEXT COLLATE "C" NOT NULL,
		unit               TEXT COLLATE "C" NOT NULL,
		seq                BIGINT NOT NULL,
		boot_id            TEXT NOT NULL,
		lane               TEXT NOT NULL,
		time               TEXT NOT NULL,    -- the unit's clock, RFC 3339 as sent
		clock_synced       BOOLEAN NOT NULL,
		ts                 BIGINT NOT NULL,  -- time if clock_synced, else received_at
		received_at        BIGINT NOT NULL,
		raw_c              DOUBLE PRECISION, -- NULL when no temperature was taken
		corrected_c        DOUBLE PRECISION,
		credential_kind    TEXT NOT NULL,
		credential_result  TEXT NOT NULL,
		credential_subject TEXT COLLATE "C" NOT NULL,
		decision           TEXT NOT NULL,
		reasons            TEXT NOT NULL,    -- JSON array of wire.Reason
		policy_version     TEXT NOT NULL,
		historical         BOOLEAN NOT NULL DEFAULT false,
		detail             TEXT NOT NULL DEFAULT '{}', -- JSON: alert, visitor, override, full temperature
		UNIQUE (unit, seq)
	);
	CREATE INDEX entries_site_ts ON entries (site, ts);
	CREATE INDEX entries_unit_ts ON entries (unit, ts);
	CREATE TABLE units (
		unit           TEXT COLLATE "C" PRIMARY KEY,
		site           TEXT COLLATE "C" NOT NULL,
		facility       TEXT COLLATE "C" NOT NULL DEFAULT '',
		lane           TEXT NOT NULL DEFAULT '',
		state          TEXT NOT NULL DEFAULT '', -- '' until a status arrives
		firmware       TEXT NOT NULL DEFAULT '',
		policy_version TEXT NOT NULL DEFAULT '',
		boot_id        TEXT NOT NULL DEFAULT '',
		last_seen      BIGINT,                   -- NULL until heard from live
		devices        TEXT NOT NULL DEFAULT '[]', -- JSON array of wire.Device
		acked_seq      BIGINT NOT NULL DEFAULT 0,  -- the watermark; 0 until it starts
		backlog        BIGINT,                     -- NULL until an online status says
		oldest_unacked BIGINT,                     -- NULL when nothing waits
		disk_alarm     BOOLEAN NOT NULL DEFAULT false
	);
	CREATE TABLE rollups (
		unit   TEXT COLLATE "C" NOT NULL,
		site   TEXT COLLATE "C" NOT NULL,
		hour   BIGINT NOT NULL, -- unix seconds of the UTC hour's start
		metric TEXT COLLATE "C" NOT NULL,
		n      BIGINT NOT NULL,
		PRIMARY KEY (unit, metric, hour)
	);
	CREATE INDEX rollups_site_hour ON rollups (site, hour);
	CREATE TABLE site_rollups (
		site   TEXT COLLATE "C" NOT NULL,
		hour   BIGINT NOT NULL,
		metric TEXT COLLATE "C" NOT NULL,
		n      BIGINT NOT NULL,
		PRIMARY KEY (site, hour, metric)
	);
	-- covering: the sites' hourly and daily views read the index alone
	CREATE INDEX site_rollups_hour ON site_rollups (hour, site, metric, n);
	CREATE TABLE sites (
		site     TEXT COLLATE "C" PRIMARY KEY,
		name     TEXT NOT NULL,
		facility TEXT COLLATE "C" NOT NULL DEFAULT '',
		capacity BIGINT NOT NULL DEFAULT 0
	);
	CREATE TABLE alerts (
		id          TEXT COLLATE "C" PRIMARY KEY,
		site        TEXT COLLATE "C" NOT NULL,
		unit        TEXT COLLATE "C" NOT NULL,
		kind        TEXT NOT NULL,
		raised_at   BIGINT NOT NULL,
		entry_id    TEXT NOT NULL DEFAULT '',
		detail      TEXT NOT NULL DEFAULT '',
		historical  BOOLEAN NOT NULL DEFAULT false,
		acked_by    TEXT NOT NULL DEFAULT '',
		action      TEXT NOT NULL DEFAULT '',
		acked_at    BIGINT,
		resolved_at BIGINT
	);
	CREATE INDEX alerts_raised ON alerts (raised_at);
	CREATE INDEX alerts_open ON alerts (raised_at) WHERE acked_at IS NULL;
	CREATE TABLE audit (
		id        BIGSERIAL PRIMARY KEY,
		at        BIGINT NOT NULL,
		user_name TEXT NOT NULL,
		role      TEXT NOT NULL,
		action    TEXT NOT NULL,
		detail    TEXT NOT NULL
	);
	CREATE TABLE assignments (
		scope       TEXT COLLATE "C" NOT NULL,
		target      TEXT COLLATE "C" NOT NULL,
		profile     TEXT NOT NULL,
		version     TEXT NOT NULL,
		document    TEXT NOT NULL,
		assigned_by TEXT NOT NULL,
		assigned_at BIGINT NOT NULL,
		PRIMARY KEY (scope, target)
	);`,
	// The fleet view lists units by site: read in order, not sorted.
	`CREATE INDEX units_site ON units (site, unit);`,
	// Each unit's hourly total apart from the other metrics, for the
	// fleet view (see the SQLite step).
	`CREATE TABLE unit_totals (
		unit TEXT COLLATE "C" NOT NULL,
		hour BIGINT NOT NULL,
		n    BIGINT NOT NULL,
		PRIMARY KEY (unit, hour)
	);
	INSERT INTO unit_totals SELECT unit, hour, n FROM rollups WHERE metric = 'total';`,
	// A site gateway reports its status like a unit, with role 'gateway'.
	`ALTER TABLE units ADD COLUMN role TEXT NOT NULL DEFAULT '';`,
	// Dead letters (deadletters.go): MQTT messages ingest refused.
	`CREATE TABLE dead_letters (
		id          BIGSERIAL PRIMARY KEY,
		topic       TEXT NOT NULL,
		payload     BYTEA NOT NULL,   -- at most MaxDeadPayload bytes
		size        BIGINT NOT NULL,  -- the payload's full length
		error       TEXT NOT NULL,
		received_at BIGINT NOT NULL
	);
	CREATE INDEX dead_letters_received ON dead_letters (received_at);`,
	// Device enrollment (devices.go), as SQLite's step.
	`CREATE TABLE enrollment_tokens (
		hash       TEXT COLLATE "C" PRIMARY KEY, -- SHA-256 of the token, hex
		site       TEXT COLLATE "C" NOT NULL,
		unit       TEXT COLLATE "C" NOT NULL,
		role       TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		expires_at BIGINT NOT NULL,
		used_at    BIGINT                        -- NULL until spent
	);
	CREATE TABLE device_credentials (
		unit          TEXT COLLATE "C" PRIMARY KEY, -- the MQTT user name
		site          TEXT COLLATE "C" NOT NULL,
		role          TEXT NOT NULL,
		password_hash TEXT NOT NULL,                -- mosquitto $7$ PBKDF2-SHA512
		enrolled_at   BIGINT NOT NULL
	);`,
	// Dashboard logins (sessions.go), as SQLite's step.
	`CREATE TABLE sessions (
		id         TEXT COLLATE "C" PRIMARY KEY, -- SHA-256 of the cookie value, hex
		user_name  TEXT NOT NULL,
		csrf       TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		seen_at    BIGINT NOT NULL
	);
	CREATE INDEX sessions_seen ON sessions (seen_at);`,
	// Visitors' keyed hashes (people.go), as SQLite's step.
	`ALTER TABLE entries
		ADD COLUMN id_hash TEXT COLLATE "C" GENERATED ALWAYS AS (detail::jsonb -> 'visitor' ->> 'id_hash') STORED,
		ADD COLUMN phone_hash TEXT COLLATE "C" GENERATED ALWAYS AS (detail::jsonb -> 'visitor' ->> 'phone_hash') STORED;
	CREATE INDEX entries_id_hash ON entries (id_hash) WHERE id_hash IS NOT NULL;
	CREATE INDEX entries_phone_hash ON entries (phone_hash) WHERE phone_hash IS NOT NULL;`,
	// The hashes become plain columns that ingest writes, as SQLite's step:
	// parsing detail as jsonb for every row cost each insert. DROP
	// EXPRESSION keeps the values already stored.
	`ALTER TABLE entries ALTER COLUMN id_hash DROP EXPRESSION,
		ALTER COLUMN phone_hash DROP EXPRESSION;`,
	// A unit is (site, unit) in every key (see SQLite's unitIdentityStep).
	`UPDATE assignments a SET target = u.site || '/' || a.target FROM units u
		WHERE a.scope = 'unit' AND u.unit = a.target;
	ALTER TABLE entries DROP CONSTRAINT entries_unit_seq_key,
		ADD CONSTRAINT entries_site_unit_seq_key UNIQUE (site, unit, seq);
	DROP INDEX entries_unit_ts;
	CREATE INDEX entries_unit_ts ON entries (site, unit, ts);
	ALTER TABLE units DROP CONSTRAINT units_pkey, ADD PRIMARY KEY (site, unit),
		ADD COLUMN reported_acked BIGINT NOT NULL DEFAULT 0;
	DROP INDEX units_site;
	ALTER TABLE rollups DROP CONSTRAINT rollups_pkey, ADD PRIMARY KEY (site, unit, metric, hour);
	DROP TABLE unit_totals;
	CREATE TABLE unit_totals (
		site TEXT COLLATE "C" NOT NULL,
		unit TEXT COLLATE "C" NOT NULL,
		hour BIGINT NOT NULL,
		n    BIGINT NOT NULL,
		PRIMARY KEY (site, unit, hour)
	);
	INSERT INTO unit_totals SELECT site, unit, hour, n FROM rollups WHERE metric = 'total';
	ALTER TABLE device_credentials DROP CONSTRAINT device_credentials_pkey, ADD PRIMARY KEY (site, unit);
	CREATE INDEX alerts_unit ON alerts (site, unit, kind) WHERE resolved_at IS NULL;`,
	// Each visitor's exit for a trace, as SQLite's step.
	`CREATE INDEX entries_exits ON entries (site, credential_subject, ts)
		WHERE lane = 'out' AND decision = 'allow' AND credential_subject <> '';`,
	// The guards of each site, as SQLite's step.
	`CREATE TABLE guards (
		site       TEXT COLLATE "C" NOT NULL,
		id         TEXT COLLATE "C" NOT NULL,
		name       TEXT NOT NULL,
		pin_hash   TEXT NOT NULL,
		disabled   BOOLEAN NOT NULL,
		version    BIGINT NOT NULL,
		updated_at BIGINT NOT NULL,
		updated_by TEXT NOT NULL,
		PRIMARY KEY (site, id)
	);`,
	// Visits and their close-outs, as SQLite's step (visits.go).
	`CREATE INDEX entries_visits ON entries (site, ts) WHERE ` + pgVisitRows + `;`,
	pgMigrateUnitNames,     // names.go
	pgMigrateOccupancy,     // occupancy.go
	pgMigrateReports,       // named reports' runs and deliveries (reports.go)
	pgMigrateOverrideAdmit, // 人工放行 of the entries already stored (reports.go)
	pgMigrateNotify,        // alerts' severity and escalation, the notification outbox (notify.go)
	pgMigrateStaff,         // staff rosters and the units' roll-call rounds (staff.go)
	pgMigrateVehicles,      // the vehicle lanes' entries (vehicles.go)
	pgMigrateHolds,         // holds for sampling and the results that release them (holds.go)
	pgMigrateWatch,         // the centre's watch roster and its last push (watch.go)
	pgMigrateHouseholds,    // one pass per household (households.go)
	pgMigrateTrust,         // the centre's trust list: issuer keys, revoked passes, DCC signers (trust.go)
	pgMigrateUpdates,       // each device's last reported program update (updates.go)
	pgMigrateRollouts,      // each device's arch, the rollouts the centre started (rollouts.go)
	pgMigrateVenue,         // registrations and bookings from the venue code's page (venue.go)
}
