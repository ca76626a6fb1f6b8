package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// migrateOccupancy keeps the latest count each site's gateway reported
// (store.SiteOccupancy).
const migrateOccupancy = `CREATE TABLE site_occupancy (
	site       TEXT PRIMARY KEY,
	gateway    TEXT NOT NULL,
	inside     INTEGER NOT NULL,
	capacity   INTEGER NOT NULL,
	waiting    INTEGER NOT NULL,
	as_of      INTEGER NOT NULL,
	heard_at   INTEGER NOT NULL,
	correction TEXT NOT NULL DEFAULT ''
);`

// putOccupancy replaces the site's figure with a gateway status's, unless
// the stored one is newer (a later AsOf): latest wins.
func putOccupancy(ctx context.Context, tx *sql.Tx, st wire.Status, receivedAt time.Time) error {
	o, ok := store.OccupancyOf(st, receivedAt)
	if !ok {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO site_occupancy
		(site, gateway, inside, capacity, waiting, as_of, heard_at, correction)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (site) DO UPDATE SET gateway = excluded.gateway, inside = excluded.inside,
		capacity = excluded.capacity, waiting = excluded.waiting, as_of = excluded.as_of,
		heard_at = max(site_occupancy.heard_at, excluded.heard_at), correction = excluded.correction
		WHERE excluded.as_of >= site_occupancy.as_of`,
		o.Site, o.Gateway, o.Inside, o.Capacity, o.Waiting, o.AsOf.UnixNano(), o.HeardAt.UnixNano(),
		store.CorrectionJSON(o.LastCorrection))
	return err
}

// Occupancies lists every site's latest gateway figure, by site, with the
// gateway's presence.
func (s *Store) Occupancies(ctx context.Context) ([]store.SiteOccupancy, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.site, o.gateway, o.inside, o.capacity, o.waiting,
		o.as_of, o.heard_at, o.correction, coalesce(u.state, '')
		FROM site_occupancy o LEFT JOIN units u ON u.site = o.site AND u.unit = o.gateway
		ORDER BY o.site`)
	if err != nil {
		return nil, fmt.Errorf("store: occupancies: %w", err)
	}
	defer rows.Close()
	out := []store.SiteOccupancy{}
	for rows.Next() {
		var o store.SiteOccupancy
		var asOf, heard sql.NullInt64
		var corr, state string
		if err := rows.Scan(&o.Site, &o.Gateway, &o.Inside, &o.Capacity, &o.Waiting, &asOf, &heard, &corr, &state); err != nil {
			return nil, fmt.Errorf("store: occupancies: %w", err)
		}
		o.AsOf, o.HeardAt = fromNanos(asOf), fromNanos(heard)
		o.LastCorrection, o.GatewayState = store.ParseCorrection(corr), wire.UnitState(state)
		out = append(out, o)
	}
	return out, rows.Err()
}
