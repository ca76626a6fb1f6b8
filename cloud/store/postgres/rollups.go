package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakou/kakou/cloud/store"
)

// Rollups returns hourly counts grouped by site, unit or facility, as
// sqlite.Store.Rollups does: sites and facilities read site_rollups, one row per
// site and hour; a site's facility is the one the centre configured, or
// else one its units report.
func (p *Store) Rollups(ctx context.Context, q store.RollupQuery) ([]store.RollupRow, error) {
	sql, args, err := pgRollupSQL(q)
	if err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rollups: %w", err)
	}
	out := []store.RollupRow{}
	var key, metric string
	var hour, n int64
	_, err = pgx.ForEachRow(rows, []any{&key, &hour, &metric, &n}, func() error {
		if l := len(out) - 1; l < 0 || out[l].Key != key || out[l].Hour.Unix() != hour {
			out = append(out, store.RollupRow{Key: key, Hour: time.Unix(hour, 0).UTC(), Counts: map[string]int{}})
		}
		out[len(out)-1].Counts[metric] += int(n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: rollups: %w", err)
	}
	return out, nil
}

func pgRollupSQL(q store.RollupQuery) (string, []any, error) {
	src, err := store.SourceFor(q)
	if err != nil {
		return "", nil, err
	}
	args := []any{q.Since.Unix(), q.Until.Unix()}
	conds := []string{src.Only, "r.hour >= $1", "r.hour < $2"}
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, cond+" = $"+strconv.Itoa(len(args)))
	}
	if q.Site != "" {
		add("r.site", q.Site)
	}
	if q.Unit != "" {
		add("r.unit", q.Unit)
	}
	if q.Facility != "" {
		add(store.SiteFacility, q.Facility)
	}
	if len(q.Metrics) > 0 {
		args = append(args, q.Metrics)
		conds = append(conds, "r.metric = ANY($"+strconv.Itoa(len(args))+"::text[])")
	}
	hour := "r.hour"
	if q.Whole {
		hour = "$1::bigint" // the window's start
	}
	return `SELECT ` + src.Key + ` AS k, ` + hour + ` AS h, r.metric, sum(r.n)::bigint FROM ` + src.From +
		` WHERE ` + strings.Join(conds, " AND ") +
		` GROUP BY k, h, r.metric ORDER BY k, h`, args, nil
}

// PutSites creates or updates the sites the centre configured, in one
// statement.
func (p *Store) PutSites(ctx context.Context, sites []store.Site) error {
	ids, names, facilities := make([]string, len(sites)), make([]string, len(sites)), make([]string, len(sites))
	capacities := make([]int64, len(sites))
	for i, st := range sites {
		ids[i], names[i], facilities[i], capacities[i] = st.ID, st.Name, st.Facility, int64(st.Capacity)
	}
	// DISTINCT ON keeps the last of a site given twice, as SQLite's one
	// upsert after another does; ON CONFLICT may touch a row only once.
	_, err := p.pool.Exec(ctx, `INSERT INTO sites (site, name, facility, capacity)
		SELECT DISTINCT ON (site) site, name, facility, capacity
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY
			AS s (site, name, facility, capacity, ord)
		ORDER BY site, ord DESC
		ON CONFLICT (site) DO UPDATE SET name = excluded.name,
		facility = excluded.facility, capacity = excluded.capacity`,
		ids, names, facilities, capacities)
	if err != nil {
		return fmt.Errorf("store: put sites: %w", err)
	}
	return nil
}

// Sites lists the configured sites and those known only from their units
// (named by their id, facility from a unit, no capacity), by id.
func (p *Store) Sites(ctx context.Context) ([]store.Site, error) {
	rows, err := p.pool.Query(ctx, `SELECT site, name, facility, capacity FROM sites
		UNION ALL SELECT site, site, max(facility), 0 FROM units
		WHERE site NOT IN (SELECT site FROM sites) GROUP BY site ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("store: query sites: %w", err)
	}
	out := []store.Site{}
	var st store.Site
	_, err = pgx.ForEachRow(rows, []any{&st.ID, &st.Name, &st.Facility, &st.Capacity}, func() error {
		out = append(out, st)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: query sites: %w", err)
	}
	return out, nil
}
