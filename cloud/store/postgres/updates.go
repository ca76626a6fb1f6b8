package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// pgMigrateUpdates keeps each device's last reported update outcome, as
// SQLite's migrateUpdates.
const pgMigrateUpdates = `CREATE TABLE unit_updates (
		site        TEXT COLLATE "C" NOT NULL,
		unit        TEXT COLLATE "C" NOT NULL,
		program     TEXT COLLATE "C" NOT NULL,
		version     TEXT COLLATE "C" NOT NULL,
		previous    TEXT NOT NULL,
		phase       TEXT NOT NULL,
		reason      TEXT NOT NULL,
		canary      BOOLEAN NOT NULL,
		reported_at BIGINT,
		PRIMARY KEY (site, unit, program)
	);
	CREATE INDEX unit_updates_version ON unit_updates (program, version)`

// PutUpdateReport records the update outcome a device's live status
// carries, replacing the one before for that program.
func (p *Store) PutUpdateReport(ctx context.Context, id store.UnitID, r wire.UpdateReport, at time.Time) error {
	_, err := p.pool.Exec(ctx, `INSERT INTO unit_updates
		(site, unit, program, version, previous, phase, reason, canary, reported_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (site, unit, program) DO UPDATE SET version = excluded.version,
		previous = excluded.previous, phase = excluded.phase, reason = excluded.reason,
		canary = excluded.canary, reported_at = excluded.reported_at`,
		id.Site, id.Unit, r.Program, r.Version, r.Previous, r.Phase, r.Reason, r.Canary, pgNanos(at))
	if err != nil {
		return fmt.Errorf("store: put update report of %s: %w", id, err)
	}
	return nil
}

// UpdateOutcomes lists the devices' outcomes for one version of a
// program, by site and unit: the rollout of that version.
func (p *Store) UpdateOutcomes(ctx context.Context, program, version string) ([]store.UpdateOutcome, error) {
	rows, err := p.pool.Query(ctx, `SELECT site, unit, previous, phase, reason, canary, reported_at
		FROM unit_updates WHERE program = $1 AND version = $2 ORDER BY site, unit`, program, version)
	if err != nil {
		return nil, fmt.Errorf("store: update outcomes: %w", err)
	}
	defer rows.Close()
	var out []store.UpdateOutcome
	for rows.Next() {
		o := store.UpdateOutcome{UpdateReport: wire.UpdateReport{Program: program, Version: version}}
		var at pgtype.Int8
		if err := rows.Scan(&o.Unit.Site, &o.Unit.Unit, &o.Previous, &o.Phase, &o.Reason, &o.Canary, &at); err != nil {
			return nil, fmt.Errorf("store: update outcomes: %w", err)
		}
		o.ReportedAt = pgTime(at)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: update outcomes: %w", err)
	}
	return out, nil
}
