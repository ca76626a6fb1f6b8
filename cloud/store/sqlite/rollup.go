package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// The upserts of a batch's counts (see manyRows).
var (
	unitRollupUpserts = manyRows{head: `INSERT INTO rollups (site, unit, hour, metric, n) VALUES `, width: 5,
		tail: ` ON CONFLICT (site, unit, metric, hour) DO UPDATE SET n = n + excluded.n`, sizes: rowsPerStmt}
	siteRollupUpserts = manyRows{head: `INSERT INTO site_rollups (site, hour, metric, n) VALUES `, width: 4,
		tail: ` ON CONFLICT (site, hour, metric) DO UPDATE SET n = n + excluded.n`, sizes: rowsPerStmt}
	unitTotalUpserts = manyRows{head: `INSERT INTO unit_totals (site, unit, hour, n) VALUES `, width: 4,
		tail: ` ON CONFLICT (site, unit, hour) DO UPDATE SET n = n + excluded.n`, sizes: rowsPerStmt}
	// dayCountUpdates adds a batch's entries of today (v.column1) to each
	// unit's day count, or, the first time in a day (or after the
	// migration that made it), counts the day afresh from the hourly
	// totals the batch just updated. Rows are (today, site, unit, n).
	dayCountUpdates = manyRows{head: `UPDATE units SET
		today_n = CASE WHEN today = v.column1 THEN today_n + v.column4
			ELSE (SELECT coalesce(sum(n), 0) FROM unit_totals t
				WHERE t.site = v.column2 AND t.unit = v.column3 AND t.hour >= v.column1) END,
		today = v.column1
		FROM (VALUES `, width: 4, tail: `) AS v WHERE units.site = v.column2 AND units.unit = v.column3`, sizes: rowsPerStmt}
)

const insertAlert = `INSERT INTO alerts (id, site, unit, kind, raised_at, entry_id, detail, historical, severity)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

// countFresh adds the entries just inserted (fresh) to the rollups and
// raises their alerts, in PutEntries's transaction.
func (s *Store) countFresh(ctx context.Context, tx *sql.Tx, entries []wire.Entry, fresh map[store.RowKey]bool, receivedAt time.Time) error {
	counts := map[rollupKey]int{}
	counted := make(map[store.RowKey]bool, len(fresh))
	for i := range entries {
		e := &entries[i]
		k := store.KeyOf(e)
		if !fresh[k] || counted[k] {
			continue // a duplicate, or the same entry twice in one batch
		}
		counted[k] = true
		tally(counts, e, receivedAt)
		if e.Alert == "" {
			continue
		}
		_, err := s.stmt(ctx, tx, insertAlert).ExecContext(ctx, e.ID, e.Site, e.Unit, e.Alert,
			store.EntryTS(e, receivedAt).UnixNano(), e.ID, store.AlertDetail(e), e.Historical, store.SeverityOf(e.Alert))
		if err != nil {
			return fmt.Errorf("alert of %s: %w", e.ID, err)
		}
	}
	if err := s.addRollups(ctx, tx, counts); err != nil {
		return err
	}
	if err := s.addSiteHours(ctx, tx, counts); err != nil {
		return err
	}
	return s.bumpToday(ctx, tx, counts, receivedAt)
}

// bumpToday keeps each unit's count since the start of the receiving day.
// A unit whose row does not exist yet (its first batch), or that sent
// nothing of today, keeps a stale day: the fleet view then sums its hours.
func (s *Store) bumpToday(ctx context.Context, tx *sql.Tx, counts map[rollupKey]int, receivedAt time.Time) error {
	y, m, d := receivedAt.In(s.loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, s.loc).Truncate(time.Hour).Unix()
	perUnit := map[store.UnitID]int{}
	for k, n := range counts {
		if k.unit != "" && k.metric == store.MetricTotal && k.hour >= today {
			perUnit[store.UnitID{Site: k.site, Unit: k.unit}] += n
		}
	}
	args := make([]any, 0, 4*len(perUnit))
	for u, n := range perUnit {
		args = append(args, today, u.Site, u.Unit, n)
	}
	if err := s.execRows(ctx, tx, dayCountUpdates, args); err != nil {
		return fmt.Errorf("units' day counts: %w", err)
	}
	return nil
}

// addRollups adds a batch's counts to the unit and site rollups and to
// the units' hourly totals.
func (s *Store) addRollups(ctx context.Context, tx *sql.Tx, counts map[rollupKey]int) error {
	var units, sites, totals []any
	for k, n := range counts {
		if k.unit == "" {
			sites = append(sites, k.site, k.hour, k.metric, n)
			continue
		}
		units = append(units, k.site, k.unit, k.hour, k.metric, n)
		if k.metric == store.MetricTotal {
			totals = append(totals, k.site, k.unit, k.hour, n)
		}
	}
	if err := s.execRows(ctx, tx, unitRollupUpserts, units); err != nil {
		return fmt.Errorf("unit rollups: %w", err)
	}
	if err := s.execRows(ctx, tx, siteRollupUpserts, sites); err != nil {
		return fmt.Errorf("site rollups: %w", err)
	}
	if err := s.execRows(ctx, tx, unitTotalUpserts, totals); err != nil {
		return fmt.Errorf("unit hourly totals: %w", err)
	}
	return nil
}

// backfillRollups counts the entries stored before rollups existed; it
// runs once, inside the migration that creates them. Prepared statements
// do not exist yet, so it writes with plain Exec.
func backfillRollups(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+store.RecordColumns+` FROM entries`)
	if err != nil {
		return err
	}
	defer rows.Close()
	counts := map[rollupKey]int{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return err
		}
		tally(counts, &r.Entry, r.ReceivedAt)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// The statements of the schema as it was at this step, not today's:
	// rollups were keyed on the unit alone until unitIdentityStep.
	unitRollup := `INSERT INTO rollups (unit, site, hour, metric, n) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (unit, hour, metric) DO UPDATE SET n = n + excluded.n`
	siteRollup := siteRollupUpserts.sql(1)
	for k, n := range counts {
		q, args := unitRollup, []any{k.unit, k.site, k.hour, k.metric, n}
		if k.unit == "" {
			q, args = siteRollup, []any{k.site, k.hour, k.metric, n}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// Rollups returns hourly counts grouped by site, unit or facility. Sites
// and facilities read site_rollups, one row per site and hour; a site's
// facility is the one the centre configured, or else one its units report.
func (s *Store) Rollups(ctx context.Context, q store.RollupQuery) ([]store.RollupRow, error) {
	if _, err := store.SourceFor(q); err != nil {
		return nil, err
	}
	if chartQuery(q) {
		return s.chartRollups(ctx, q)
	}
	sqlText, args, err := rollupSQL(q)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rollups: %w", err)
	}
	defer rows.Close()
	return scanRollups(rows)
}

func rollupSQL(q store.RollupQuery) (string, []any, error) {
	src, err := store.SourceFor(q)
	if err != nil {
		return "", nil, err
	}
	conds := []string{src.Only, "r.hour >= ?", "r.hour < ?"}
	args := []any{q.Since.Unix(), q.Until.Unix()}
	if q.Site != "" {
		conds, args = append(conds, "r.site = ?"), append(args, q.Site)
	}
	if q.Unit != "" {
		conds, args = append(conds, "r.unit = ?"), append(args, q.Unit)
	}
	if q.Facility != "" {
		conds, args = append(conds, store.SiteFacility+" = ?"), append(args, q.Facility)
	}
	if len(q.Metrics) > 0 {
		conds = append(conds, "r.metric IN (?"+strings.Repeat(", ?", len(q.Metrics)-1)+")")
		for _, m := range q.Metrics {
			args = append(args, m)
		}
	}
	hour := "r.hour"
	if q.Whole {
		hour, args = "?", append([]any{q.Since.Unix()}, args...)
	}
	return `SELECT ` + src.Key + ` AS k, ` + hour + ` AS h, r.metric, sum(r.n) FROM ` + src.From +
		` WHERE ` + strings.Join(conds, " AND ") +
		` GROUP BY k, h, r.metric ORDER BY k, h`, args, nil
}

// scanRollups folds (key, hour, metric, n) rows, ordered by key and hour,
// into one RollupRow per key and hour.
func scanRollups(rows *sql.Rows) ([]store.RollupRow, error) {
	out := []store.RollupRow{}
	for rows.Next() {
		var key, metric string
		var hour int64
		var n int
		if err := rows.Scan(&key, &hour, &metric, &n); err != nil {
			return nil, fmt.Errorf("store: read rollup: %w", err)
		}
		if l := len(out) - 1; l < 0 || out[l].Key != key || out[l].Hour.Unix() != hour {
			out = append(out, store.RollupRow{Key: key, Hour: time.Unix(hour, 0).UTC(), Counts: map[string]int{}})
		}
		out[len(out)-1].Counts[metric] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: rollups: %w", err)
	}
	return out, nil
}

// rollupKey is one counter: unit "" is the site's own row (site_rollups),
// kept so the site and facility views read one row per site and hour
// however many units a site has.
type rollupKey struct {
	site, unit string
	hour       int64 // unix seconds of the hour's start
	metric     string
}

// tally adds the entries' metrics to counts, per unit, per site and for
// all sites.
func tally(counts map[rollupKey]int, e *wire.Entry, receivedAt time.Time) {
	hour := store.EntryTS(e, receivedAt).Truncate(time.Hour).Unix()
	for _, m := range store.EntryMetrics(e) {
		counts[rollupKey{e.Site, e.Unit, hour, m}]++
		counts[rollupKey{e.Site, "", hour, m}]++
		counts[rollupKey{store.AllSites, "", hour, m}]++
	}
}
