package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
)

// pgMigrateRollouts keeps each device's architecture and the rollouts the
// centre started, as SQLite's migrateRollouts.
const pgMigrateRollouts = `ALTER TABLE units ADD COLUMN arch TEXT NOT NULL DEFAULT '';
	CREATE TABLE rollouts (
		program     TEXT COLLATE "C" NOT NULL,
		version     TEXT COLLATE "C" NOT NULL,
		scope       TEXT NOT NULL,
		canary      TEXT NOT NULL,
		stage       TEXT NOT NULL,
		started_by  TEXT NOT NULL,
		started_at  BIGINT NOT NULL,
		changed_by  TEXT NOT NULL DEFAULT '',
		changed_at  BIGINT,
		PRIMARY KEY (program, version)
	)`

// pgPutArch records the architecture a status names; a status without one
// keeps the one before.
const pgPutArch = `UPDATE units SET arch = $3 WHERE site = $1 AND unit = $2 AND $3 <> ''`

// queueArch adds the arch update to a status's batch, after its row.
func queueArch(b *pgx.Batch, site, unit, arch string) {
	if arch != "" {
		b.Queue(pgPutArch, site, unit, arch)
	}
}

// UpdateTargets lists every known device with its role, architecture
// and version, by site and unit.
func (p *Store) UpdateTargets(ctx context.Context) ([]store.UpdateTarget, error) {
	rows, err := p.pool.Query(ctx, `SELECT site, unit, role, arch, firmware FROM units ORDER BY site, unit`)
	if err != nil {
		return nil, fmt.Errorf("store: update targets: %w", err)
	}
	var out []store.UpdateTarget
	var t store.UpdateTarget
	_, err = pgx.ForEachRow(rows, []any{&t.Unit.Site, &t.Unit.Unit, &t.Role, &t.Arch, &t.Firmware}, func() error {
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: update targets: %w", err)
	}
	return out, nil
}

// PutRollout records a rollout started; a version already rolling out
// (not stopped) is refused with store.ErrRolloutExists.
func (p *Store) PutRollout(ctx context.Context, r store.Rollout) error {
	scope, canary := store.EncodeRollout(r)
	tag, err := p.pool.Exec(ctx, `INSERT INTO rollouts AS r
		(program, version, scope, canary, stage, started_by, started_at, changed_by, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, '', NULL)
		ON CONFLICT (program, version) DO UPDATE SET scope = excluded.scope, canary = excluded.canary,
		stage = excluded.stage, started_by = excluded.started_by, started_at = excluded.started_at,
		changed_by = '', changed_at = NULL
		WHERE r.stage = '`+store.RolloutStopped+`'`,
		r.Program, r.Version, scope, canary, r.Stage, r.StartedBy, r.StartedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("store: put rollout %s %s: %w", r.Program, r.Version, err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrRolloutExists
	}
	return nil
}

// SetRolloutStage moves a rollout from one of from to stage, and says
// whether it moved: of two promotions at once, one moves it.
func (p *Store) SetRolloutStage(ctx context.Context, program, version string, from []string, stage, by string, at time.Time) (bool, error) {
	tag, err := p.pool.Exec(ctx, `UPDATE rollouts SET stage = $1, changed_by = $2, changed_at = $3
		WHERE program = $4 AND version = $5 AND stage = ANY($6)`, stage, by, at.UnixNano(), program, version, from)
	if err != nil {
		return false, fmt.Errorf("store: rollout %s %s to %s: %w", program, version, stage, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Rollouts lists the rollouts started, the newest first.
func (p *Store) Rollouts(ctx context.Context) ([]store.Rollout, error) {
	rows, err := p.pool.Query(ctx, `SELECT program, version, scope, canary, stage, started_by,
		started_at, changed_by, changed_at FROM rollouts ORDER BY started_at DESC, program, version`)
	if err != nil {
		return nil, fmt.Errorf("store: rollouts: %w", err)
	}
	var out []store.Rollout
	var r store.Rollout
	var scope, canary string
	var started int64
	var changed pgtype.Int8
	_, err = pgx.ForEachRow(rows, []any{&r.Program, &r.Version, &scope, &canary, &r.Stage, &r.StartedBy,
		&started, &r.ChangedBy, &changed}, func() error {
		if err := store.DecodeRollout(&r, scope, canary); err != nil {
			return err
		}
		r.StartedAt, r.ChangedAt = time.Unix(0, started).UTC(), pgTime(changed)
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: rollouts: %w", err)
	}
	return out, nil
}
