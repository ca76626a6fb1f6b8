package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kakou/kakou/cloud/store"
)

// PutGuard adds or replaces a guard and gives it the site's next version,
// in one statement, so two changes never share a version.
func (s *Store) PutGuard(ctx context.Context, g store.Guard) (store.Guard, error) {
	if err := g.Check(); err != nil {
		return store.Guard{}, err
	}
	err := s.w.QueryRowContext(ctx, `INSERT INTO guards (site, id, name, pin_hash, disabled, version,
		updated_at, updated_by) VALUES (?, ?, ?, ?, ?,
		(SELECT COALESCE(MAX(version), 0) + 1 FROM guards WHERE site = ?), ?, ?)
		ON CONFLICT (site, id) DO UPDATE SET name = excluded.name, pin_hash = excluded.pin_hash,
		disabled = excluded.disabled, version = excluded.version, updated_at = excluded.updated_at,
		updated_by = excluded.updated_by
		RETURNING version`, g.Site, g.ID, g.Name, g.PINHash, g.Disabled, g.Site, nanos(g.UpdatedAt), g.UpdatedBy).
		Scan(&g.Version)
	if err != nil {
		return store.Guard{}, fmt.Errorf("store: put guard %s/%s: %w", g.Site, g.ID, err)
	}
	return g, nil
}

// Guards lists a site's guards by id.
func (s *Store) Guards(ctx context.Context, site string) ([]store.Guard, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, pin_hash, disabled, version, updated_at, updated_by
		FROM guards WHERE site = ? ORDER BY id`, site)
	if err != nil {
		return nil, fmt.Errorf("store: query guards: %w", err)
	}
	defer rows.Close()
	var out []store.Guard
	for rows.Next() {
		g := store.Guard{Site: site}
		var at sql.NullInt64
		if err := rows.Scan(&g.ID, &g.Name, &g.PINHash, &g.Disabled, &g.Version, &at, &g.UpdatedBy); err != nil {
			return nil, fmt.Errorf("store: read guard: %w", err)
		}
		g.UpdatedAt = fromNanos(at)
		out = append(out, g)
	}
	return out, rows.Err()
}
