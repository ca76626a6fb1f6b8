package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakou/kakou/cloud/store"
)

// PutGuard adds or replaces a guard with the site's next version, as
// sqlite.Store.PutGuard does. A transaction-scoped advisory lock on the
// site serialises changes to one site's guards across collectors, so two
// never compute the same version.
func (p *Store) PutGuard(ctx context.Context, g store.Guard) (store.Guard, error) {
	if err := g.Check(); err != nil {
		return store.Guard{}, err
	}
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('kakou-guards/' || $1, 0))`, g.Site); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO guards (site, id, name, pin_hash, disabled, version,
			updated_at, updated_by) VALUES ($1, $2, $3, $4, $5,
			(SELECT COALESCE(MAX(version), 0) + 1 FROM guards WHERE site = $1), $6, $7)
			ON CONFLICT (site, id) DO UPDATE SET name = excluded.name, pin_hash = excluded.pin_hash,
			disabled = excluded.disabled, version = excluded.version, updated_at = excluded.updated_at,
			updated_by = excluded.updated_by
			RETURNING version`, g.Site, g.ID, g.Name, g.PINHash, g.Disabled, g.UpdatedAt.UnixNano(), g.UpdatedBy).
			Scan(&g.Version)
	})
	if err != nil {
		return store.Guard{}, fmt.Errorf("store: put guard %s/%s: %w", g.Site, g.ID, err)
	}
	return g, nil
}

// Guards lists a site's guards by id.
func (p *Store) Guards(ctx context.Context, site string) ([]store.Guard, error) {
	rows, err := p.pool.Query(ctx, `SELECT id, name, pin_hash, disabled, version, updated_at, updated_by
		FROM guards WHERE site = $1 ORDER BY id`, site)
	if err != nil {
		return nil, fmt.Errorf("store: query guards: %w", err)
	}
	defer rows.Close()
	var out []store.Guard
	for rows.Next() {
		g := store.Guard{Site: site}
		var at int64
		if err := rows.Scan(&g.ID, &g.Name, &g.PINHash, &g.Disabled, &g.Version, &at, &g.UpdatedBy); err != nil {
			return nil, fmt.Errorf("store: read guard: %w", err)
		}
		g.UpdatedAt = time.Unix(0, at).UTC()
		out = append(out, g)
	}
	return out, rows.Err()
}
