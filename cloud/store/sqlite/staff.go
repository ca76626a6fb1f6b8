package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// migrateStaff holds the sites' staff rosters and the round each unit's
// status last named; the checks themselves are entries (detail.staff_check),
// found by a partial index.
const migrateStaff = `CREATE TABLE staff_rosters (
		site       TEXT PRIMARY KEY,
		version    INTEGER NOT NULL,
		updated_at INTEGER NOT NULL,
		updated_by TEXT NOT NULL,
		members    TEXT NOT NULL -- JSON array of wire.StaffMember
	);
	CREATE TABLE staff_rounds (
		site    TEXT NOT NULL,
		unit    TEXT NOT NULL,
		round   TEXT NOT NULL, -- JSON wire.StaffRound
		seen_at INTEGER NOT NULL,
		PRIMARY KEY (site, unit)
	);
	CREATE INDEX entries_staff_checks ON entries (site, ts) WHERE detail LIKE '` + store.StaffCheckLike + `';`

// PutStaffRoster replaces a site's roster with the next version.
func (s *Store) PutStaffRoster(ctx context.Context, r store.StaffRoster) (store.StaffRoster, error) {
	if err := r.Check(); err != nil {
		return store.StaffRoster{}, err
	}
	err := s.w.QueryRowContext(ctx, `INSERT INTO staff_rosters (site, version, updated_at, updated_by, members)
		VALUES (?, 1, ?, ?, ?) ON CONFLICT (site) DO UPDATE SET version = version + 1,
		updated_at = excluded.updated_at, updated_by = excluded.updated_by, members = excluded.members
		RETURNING version`, r.Site, nanos(r.UpdatedAt), r.UpdatedBy, r.MembersJSON()).Scan(&r.Version)
	if err != nil {
		return store.StaffRoster{}, fmt.Errorf("store: put staff roster of %s: %w", r.Site, err)
	}
	return r, nil
}

// StaffRoster is a site's roster; Version 0 and no members when it has none.
func (s *Store) StaffRoster(ctx context.Context, site string) (store.StaffRoster, error) {
	r := store.StaffRoster{Site: site}
	var at sql.NullInt64
	var members string
	err := s.db.QueryRowContext(ctx, `SELECT version, updated_at, updated_by, members FROM staff_rosters WHERE site = ?`,
		site).Scan(&r.Version, &at, &r.UpdatedBy, &members)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	if err == nil {
		err = json.Unmarshal([]byte(members), &r.Members)
	}
	if err != nil {
		return store.StaffRoster{}, fmt.Errorf("store: staff roster of %s: %w", site, err)
	}
	r.UpdatedAt = fromNanos(at)
	return r, nil
}

// PutStaffRound keeps the round a unit's live status named.
func (s *Store) PutStaffRound(ctx context.Context, site, unit string, r wire.StaffRound, at time.Time) error {
	b, _ := json.Marshal(r)
	_, err := s.w.ExecContext(ctx, `INSERT INTO staff_rounds (site, unit, round, seen_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (site, unit) DO UPDATE SET round = excluded.round, seen_at = excluded.seen_at
		WHERE excluded.seen_at >= staff_rounds.seen_at`, site, unit, string(b), nanos(at))
	if err != nil {
		return fmt.Errorf("store: staff round of %s/%s: %w", site, unit, err)
	}
	return nil
}

// StaffRounds are the rounds the site's units last named, by unit.
func (s *Store) StaffRounds(ctx context.Context, site string) ([]store.UnitRound, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT unit, round, seen_at FROM staff_rounds WHERE site = ? ORDER BY unit`, site)
	if err != nil {
		return nil, fmt.Errorf("store: staff rounds of %s: %w", site, err)
	}
	defer rows.Close()
	var out []store.UnitRound
	for rows.Next() {
		var u store.UnitRound
		var round string
		var at sql.NullInt64
		if err := rows.Scan(&u.Unit, &round, &at); err != nil {
			return nil, err
		}
		if json.Unmarshal([]byte(round), &u.Round) != nil {
			continue
		}
		u.SeenAt = fromNanos(at)
		out = append(out, u)
	}
	return out, rows.Err()
}

// StaffChecks are the site's staff checks stored with ts at or after since.
func (s *Store) StaffChecks(ctx context.Context, site string, since time.Time) ([]store.StaffCheckRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT unit, id, ts, detail FROM entries
		WHERE site = ? AND ts >= ? AND detail LIKE '`+store.StaffCheckLike+`' ORDER BY ts, unit, seq`, site, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: staff checks of %s: %w", site, err)
	}
	defer rows.Close()
	var out []store.StaffCheckRow
	for rows.Next() {
		var unit, id, detail string
		var ts int64
		if err := rows.Scan(&unit, &id, &ts, &detail); err != nil {
			return nil, err
		}
		if c, ok := store.StaffCheckOf(unit, id, time.Unix(0, ts), detail); ok {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}
