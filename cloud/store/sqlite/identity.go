package sqlite

import (
	"github.com/kakou/kakou/cloud/store"
)

// unitIdentityStep makes (site, unit) the identity of a unit in every
// table that keyed it on its id alone (docs/architecture.md "Every record
// says who, exactly"): two units both called gate-1 at two sites are two units,
// with their own entries, seqs, watermarks, counts and credentials. Before
// it, the second gate-1's entries were skipped as the first's duplicates
// and acknowledged all the same.
//
// SQLite cannot change a key in place, so each table is copied into its
// new shape. Rows already stored keep the site they were stored with; a
// database in which two sites' units shared an id already lost one's
// entries, which no migration can bring back. unit_totals had no site
// column and is rebuilt from the unit rollups, which have one.
//
// A policy assigned to a unit names it "site/unit" from now on (UnitID).
//
// reported_acked keeps what a unit's status says it was acknowledged up
// to, for the operator who starts a watermark by hand (SetWatermark);
// nothing a unit says moves the watermark itself.
const unitIdentityStep = `
UPDATE assignments SET target = (SELECT site FROM units WHERE units.unit = assignments.target) || '/' || target
	WHERE scope = 'unit' AND target IN (SELECT unit FROM units);

CREATE TABLE entries_by_site (
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
	historical         INTEGER NOT NULL DEFAULT 0,
	detail             TEXT NOT NULL DEFAULT '{}', -- JSON: alert, visitor, override, full temperature
	id_hash            TEXT,
	phone_hash         TEXT,
	UNIQUE (site, unit, seq)
);
INSERT INTO entries_by_site (` + store.EntryColumns + `) SELECT ` + store.EntryColumns + ` FROM entries;
DROP TABLE entries;
ALTER TABLE entries_by_site RENAME TO entries;
CREATE INDEX entries_site_ts ON entries (site, ts);
CREATE INDEX entries_unit_ts ON entries (site, unit, ts);
CREATE INDEX entries_id_hash ON entries (id_hash) WHERE id_hash IS NOT NULL;
CREATE INDEX entries_phone_hash ON entries (phone_hash) WHERE phone_hash IS NOT NULL;

CREATE TABLE units_by_site (
	site           TEXT NOT NULL,
	unit           TEXT NOT NULL,
	facility       TEXT NOT NULL DEFAULT '',
	lane           TEXT NOT NULL DEFAULT '',
	state          TEXT NOT NULL DEFAULT '', -- '' until a status arrives
	firmware       TEXT NOT NULL DEFAULT '',
	policy_version TEXT NOT NULL DEFAULT '',
	boot_id        TEXT NOT NULL DEFAULT '',
	last_seen      INTEGER,                  -- NULL until heard from live
	devices        TEXT NOT NULL DEFAULT '[]', -- JSON array of wire.Device
	acked_seq      INTEGER NOT NULL DEFAULT 0, -- the watermark; 0 until it starts
	backlog        INTEGER,                  -- NULL until an online status says
	oldest_unacked INTEGER,                  -- NULL when nothing waits
	disk_alarm     INTEGER NOT NULL DEFAULT 0,
	today          INTEGER,
	today_n        INTEGER NOT NULL DEFAULT 0,
	role           TEXT NOT NULL DEFAULT '',
	reported_acked INTEGER NOT NULL DEFAULT 0, -- what the unit's status says; never the watermark
	PRIMARY KEY (site, unit)
);
INSERT INTO units_by_site (site, unit, facility, lane, state, firmware, policy_version, boot_id,
	last_seen, devices, acked_seq, backlog, oldest_unacked, disk_alarm, today, today_n, role)
	SELECT site, unit, facility, lane, state, firmware, policy_version, boot_id,
	last_seen, devices, acked_seq, backlog, oldest_unacked, disk_alarm, today, today_n, role FROM units;
DROP TABLE units;
ALTER TABLE units_by_site RENAME TO units;

CREATE TABLE rollups_by_site (
	site   TEXT NOT NULL,
	unit   TEXT NOT NULL,
	hour   INTEGER NOT NULL, -- unix seconds of the UTC hour's start
	metric TEXT NOT NULL,
	n      INTEGER NOT NULL,
	PRIMARY KEY (site, unit, metric, hour)
) WITHOUT ROWID;
INSERT INTO rollups_by_site SELECT site, unit, hour, metric, n FROM rollups;
DROP TABLE rollups;
ALTER TABLE rollups_by_site RENAME TO rollups;
CREATE INDEX rollups_site_hour ON rollups (site, hour);

DROP TABLE unit_totals;
CREATE TABLE unit_totals (
	site TEXT NOT NULL,
	unit TEXT NOT NULL,
	hour INTEGER NOT NULL,
	n    INTEGER NOT NULL,
	PRIMARY KEY (site, unit, hour)
) WITHOUT ROWID;
INSERT INTO unit_totals SELECT site, unit, hour, n FROM rollups WHERE metric = 'total';

CREATE TABLE device_credentials_by_site (
	site          TEXT NOT NULL,
	unit          TEXT NOT NULL,
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,    -- mosquitto $7$ PBKDF2-SHA512
	enrolled_at   INTEGER NOT NULL,
	PRIMARY KEY (site, unit)
);
INSERT INTO device_credentials_by_site SELECT site, unit, role, password_hash, enrolled_at FROM device_credentials;
DROP TABLE device_credentials;
ALTER TABLE device_credentials_by_site RENAME TO device_credentials;

CREATE INDEX alerts_unit ON alerts (site, unit, kind) WHERE resolved_at IS NULL;`
