package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// pgMigrateOccupancy is SQLite's migrateOccupancy (cloud/store/sqlite
// occupancy.go): the latest count each site's gateway reported.
const pgMigrateOccupancy = `CREATE TABLE site_occupancy (
	site       TEXT COLLATE "C" PRIMARY KEY,
	gateway    TEXT COLLATE "C" NOT NULL,
	inside     BIGINT NOT NULL,
	capacity   BIGINT NOT NULL,
	waiting    BIGINT NOT NULL,
	as_of      BIGINT NOT NULL,
	heard_at   BIGINT NOT NULL,
	correction TEXT NOT NULL DEFAULT ''
);`

// pgPutOccupancy is SQLite's putOccupancy: latest AsOf wins.
const pgPutOccupancy = `INSERT INTO site_occupancy AS o
	(site, gateway, inside, capacity, waiting, as_of, heard_at, correction)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
	ON CONFLICT (site) DO UPDATE SET gateway = excluded.gateway, inside = excluded.inside,
	capacity = excluded.capacity, waiting = excluded.waiting, as_of = excluded.as_of,
	heard_at = greatest(o.heard_at, excluded.heard_at), correction = excluded.correction
	WHERE excluded.as_of >= o.as_of`

// queueOccupancy adds a gateway status's figure to the status batch.
func queueOccupancy(b *pgx.Batch, st wire.Status, receivedAt time.Time) {
	o, ok := store.OccupancyOf(st, receivedAt)
	if !ok {
		return
	}
	b.Queue(pgPutOccupancy, o.Site, o.Gateway, o.Inside, o.Capacity, o.Waiting, o.AsOf.UnixNano(),
		o.HeardAt.UnixNano(), store.CorrectionJSON(o.LastCorrection))
}

// Occupancies lists every site's latest gateway figure, by site.
func (p *Store) Occupancies(ctx context.Context) ([]store.SiteOccupancy, error) {
	rows, err := p.pool.Query(ctx, `SELECT o.site, o.gateway, o.inside, o.capacity, o.waiting,
		o.as_of, o.heard_at, o.correction, coalesce(u.state, '')
		FROM site_occupancy o LEFT JOIN units u ON u.site = o.site AND u.unit = o.gateway
		ORDER BY o.site`)
	if err != nil {
		return nil, fmt.Errorf("store: occupancies: %w", err)
	}
	out := []store.SiteOccupancy{}
	var o store.SiteOccupancy
	var inside, capacity, waiting int64
	var asOf, heard pgtype.Int8
	var corr, state string
	_, err = pgx.ForEachRow(rows, []any{&o.Site, &o.Gateway, &inside, &capacity, &waiting, &asOf, &heard, &corr, &state}, func() error {
		r := o
		r.Inside, r.Capacity, r.Waiting = int(inside), int(capacity), int(waiting)
		r.AsOf, r.HeardAt = pgTime(asOf), pgTime(heard)
		r.LastCorrection, r.GatewayState = store.ParseCorrection(corr), wire.UnitState(state)
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: occupancies: %w", err)
	}
	return out, nil
}
