package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// migrateRollouts keeps each device's architecture from its status, so
// the centre pushes it a binary it can run, and the rollouts the centre
// started, so a restart keeps their stage and canaries.
const migrateRollouts = `ALTER TABLE units ADD COLUMN arch TEXT NOT NULL DEFAULT '';
	CREATE TABLE rollouts (
		program     TEXT NOT NULL,
		version     TEXT NOT NULL,
		scope       TEXT NOT NULL,
		canary      TEXT NOT NULL,
		stage       TEXT NOT NULL,
		started_by  TEXT NOT NULL,
		started_at  INTEGER NOT NULL,
		changed_by  TEXT NOT NULL DEFAULT '',
		changed_at  INTEGER,
		PRIMARY KEY (program, version)
	) WITHOUT ROWID`

// putUnitArch records the architecture a status names; a status without
// one (a last will, an older program) keeps the one before.
func putUnitArch(ctx context.Context, tx *sql.Tx, site, unit, arch string) error {
	if arch == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE units SET arch = ? WHERE site = ? AND unit = ?`, arch, site, unit)
	return err
}

// UpdateTargets lists every known device with its role, architecture
// and version, by site and unit.
func (s *Store) UpdateTargets(ctx context.Context) ([]store.UpdateTarget, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT site, unit, role, arch, firmware FROM units ORDER BY site, unit`)
	if err != nil {
		return nil, fmt.Errorf("store: update targets: %w", err)
	}
	defer rows.Close()
	var out []store.UpdateTarget
	for rows.Next() {
		var t store.UpdateTarget
		if err := rows.Scan(&t.Unit.Site, &t.Unit.Unit, &t.Role, &t.Arch, &t.Firmware); err != nil {
			return nil, fmt.Errorf("store: update targets: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: update targets: %w", err)
	}
	return out, nil
}

// PutRollout records a rollout started; a version already rolling out
// (not stopped) is refused with store.ErrRolloutExists.
func (s *Store) PutRollout(ctx context.Context, r store.Rollout) error {
	scope, canary := rolloutJSON(r)
	res, err := s.w.ExecContext(ctx, `INSERT INTO rollouts
		(program, version, scope, canary, stage, started_by, started_at, changed_by, changed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, '', NULL)
		ON CONFLICT (program, version) DO UPDATE SET scope = excluded.scope, canary = excluded.canary,
		stage = excluded.stage, started_by = excluded.started_by, started_at = excluded.started_at,
		changed_by = '', changed_at = NULL
		WHERE rollouts.stage = '`+store.RolloutStopped+`'`,
		r.Program, r.Version, scope, canary, r.Stage, r.StartedBy, r.StartedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("store: put rollout %s %s: %w", r.Program, r.Version, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrRolloutExists
	}
	return nil
}

// SetRolloutStage moves a rollout from one of from to stage, and says
// whether it moved: of two promotions at once, one moves it.
func (s *Store) SetRolloutStage(ctx context.Context, program, version string, from []string, stage, by string, at time.Time) (bool, error) {
	q := `UPDATE rollouts SET stage = ?, changed_by = ?, changed_at = ?
		WHERE program = ? AND version = ? AND stage IN (?` + strings.Repeat(", ?", len(from)-1) + `)`
	args := []any{stage, by, at.UnixNano(), program, version}
	for _, f := range from {
		args = append(args, f)
	}
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("store: rollout %s %s to %s: %w", program, version, stage, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Rollouts lists the rollouts started, the newest first.
func (s *Store) Rollouts(ctx context.Context) ([]store.Rollout, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT program, version, scope, canary, stage, started_by,
		started_at, changed_by, changed_at FROM rollouts ORDER BY started_at DESC, program, version`)
	if err != nil {
		return nil, fmt.Errorf("store: rollouts: %w", err)
	}
	defer rows.Close()
	var out []store.Rollout
	for rows.Next() {
		var r store.Rollout
		var scope, canary string
		var started int64
		var changed sql.NullInt64
		if err := rows.Scan(&r.Program, &r.Version, &scope, &canary, &r.Stage, &r.StartedBy,
			&started, &r.ChangedBy, &changed); err != nil {
			return nil, fmt.Errorf("store: rollouts: %w", err)
		}
		if err := store.DecodeRollout(&r, scope, canary); err != nil {
			return nil, err
		}
		r.StartedAt, r.ChangedAt = time.Unix(0, started).UTC(), fromNanos(changed)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: rollouts: %w", err)
	}
	return out, nil
}

func rolloutJSON(r store.Rollout) (scope, canary string) {
	return store.EncodeRollout(r)
}
