package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The dashboard's hourly charts poll in, out and fever for every site. Read
// from site_rollups that is every site's every metric, grouped and sorted
// by SQLite: at 1,000 sites a few hundred thousand index entries per poll.
// site_hours keeps the chart's metrics side by side, one narrow row per hour
// and site, in the order the rows are read, so the poll reads one row per
// bar and groups in Go. Only SQLite has it; PostgreSQL reads site_rollups.

// chartMetrics are the metrics site_hours holds, in its column order.
var chartMetrics = []string{MetricTotal, MetricIn, MetricOut, MetricFever}

var siteHourUpserts = manyRows{head: `INSERT INTO site_hours (hour, site, total, in_n, out_n, fever) VALUES `, width: 6,
	tail: ` ON CONFLICT (hour, site) DO UPDATE SET total = total + excluded.total,
	in_n = in_n + excluded.in_n, out_n = out_n + excluded.out_n, fever = fever + excluded.fever`, sizes: rowsPerStmt}

// addSiteHours adds a batch's site counts of the chart metrics.
func (s *SQLite) addSiteHours(ctx context.Context, tx *sql.Tx, counts map[rollupKey]int) error {
	type siteHour struct {
		site string
		hour int64
	}
	rows := map[siteHour]*[4]int{}
	for k, n := range counts {
		i := slices.Index(chartMetrics, k.metric)
		if k.unit != "" || i < 0 {
			continue
		}
		sh := siteHour{k.site, k.hour}
		if rows[sh] == nil {
			rows[sh] = new([4]int)
		}
		rows[sh][i] += n
	}
	args := make([]any, 0, 6*len(rows))
	for sh, c := range rows {
		args = append(args, sh.hour, sh.site, c[0], c[1], c[2], c[3])
	}
	if err := s.execRows(ctx, tx, siteHourUpserts, args); err != nil {
		return fmt.Errorf("site hours: %w", err)
	}
	return nil
}

// chartQuery says whether q can be answered from site_hours.
func chartQuery(q RollupQuery) bool {
	if q.By == "unit" || q.Unit != "" || len(q.Metrics) == 0 {
		return false
	}
	for _, m := range q.Metrics {
		if !slices.Contains(chartMetrics, m) {
			return false
		}
	}
	return true
}

// chartRollups answers a chartQuery: the same rows site_rollups would give.
func (s *SQLite) chartRollups(ctx context.Context, q RollupQuery) ([]RollupRow, error) {
	facility, err := s.siteFacilities(ctx, q.By == "facility" || q.Facility != "")
	if err != nil {
		return nil, err
	}
	cond, args := "site <> ''", []any{q.Since.Unix(), q.Until.Unix()}
	switch {
	case q.By == "all":
		cond = "site = ''"
	case q.Site != "":
		cond, args = "site = ?", append(args, q.Site)
	}
	// One row per hour, its sites joined into one string: a row through
	// database/sql costs microseconds, and 1,000 sites have 23,000 hours.
	// Grouped by hour, the table's own order, SQLite needs no sort. Sites
	// are prefixed with '=' so the fleet's own key, '', is a field too.
	rows, err := s.db.QueryContext(ctx, `SELECT hour, group_concat('=' || site || ' ' || total || ' ' ||
		in_n || ' ' || out_n || ' ' || fever, ' ') FROM site_hours
		WHERE hour >= ? AND hour < ? AND `+cond+` GROUP BY hour`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rollups: %w", err)
	}
	defer rows.Close()
	b := chartBuilder{q: q, facility: facility, at: map[chartSlot]int{}}
	for rows.Next() {
		var hour int64
		var sites string
		if err := rows.Scan(&hour, &sites); err != nil {
			return nil, fmt.Errorf("store: read rollup: %w", err)
		}
		if err := b.addSites(hour, sites); err != nil {
			return nil, fmt.Errorf("store: read rollup of hour %d: %w", hour, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: rollups: %w", err)
	}
	return b.rows(), nil
}

// siteFacilities maps every site to its facility (see siteFacility); nil
// when the query does not need it.
func (s *SQLite) siteFacilities(ctx context.Context, need bool) (map[string]string, error) {
	if !need {
		return nil, nil
	}
	expr := strings.ReplaceAll(siteFacility, "r.site", "r.id")
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, `+expr+` FROM
		(SELECT site AS id FROM sites UNION SELECT DISTINCT site FROM units) r`)
	if err != nil {
		return nil, fmt.Errorf("store: site facilities: %w", err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var site, f string
		if err := rows.Scan(&site, &f); err != nil {
			return nil, fmt.Errorf("store: site facilities: %w", err)
		}
		m[site] = f
	}
	return m, rows.Err()
}

type chartSlot struct {
	key  string
	hour int64
}

// chartBuilder folds site_hours rows into RollupRows by the query's key.
type chartBuilder struct {
	q        RollupQuery
	facility map[string]string
	at       map[chartSlot]int // index into out
	out      []RollupRow
}

// addSites reads an hour's "=site total in out fever" groups.
func (b *chartBuilder) addSites(hour int64, sites string) error {
	f := strings.Fields(sites)
	if len(f)%5 != 0 {
		return fmt.Errorf("%d fields, not groups of 5", len(f))
	}
	for ; len(f) > 0; f = f[5:] {
		site, ok := strings.CutPrefix(f[0], "=")
		if !ok {
			return fmt.Errorf("site field %q", f[0])
		}
		var c [4]int
		for i := range c {
			n, err := strconv.Atoi(f[i+1])
			if err != nil {
				return err
			}
			c[i] = n
		}
		b.add(site, hour, c)
	}
	return nil
}

func (b *chartBuilder) add(site string, hour int64, c [4]int) {
	key := site
	switch {
	case b.q.By == "all":
		key = "all"
	case b.q.By == "facility":
		key = b.facility[site]
	}
	if b.q.Facility != "" && b.facility[site] != b.q.Facility {
		return
	}
	if b.q.Whole {
		hour = b.q.Since.Unix()
	}
	var row *RollupRow
	for _, m := range b.q.Metrics {
		n := c[slices.Index(chartMetrics, m)]
		if n == 0 {
			continue // site_rollups has no row for a metric nothing counted
		}
		if row == nil {
			row = b.slot(key, hour)
		}
		row.Counts[m] += n
	}
}

func (b *chartBuilder) slot(key string, hour int64) *RollupRow {
	s := chartSlot{key, hour}
	i, ok := b.at[s]
	if !ok {
		i = len(b.out)
		b.at[s] = i
		b.out = append(b.out, RollupRow{Key: key, Hour: time.Unix(hour, 0).UTC(), Counts: map[string]int{}})
	}
	return &b.out[i]
}

// rows are ordered by key, then hour, as site_rollups' query orders them.
func (b *chartBuilder) rows() []RollupRow {
	slices.SortFunc(b.out, func(x, y RollupRow) int {
		if c := strings.Compare(x.Key, y.Key); c != 0 {
			return c
		}
		return x.Hour.Compare(y.Hour)
	})
	return b.out
}
