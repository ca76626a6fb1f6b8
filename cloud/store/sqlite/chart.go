package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// The dashboard's hourly charts poll in, out and fever for every site. Read
// from site_rollups that is every site's every metric, grouped and sorted
// by SQLite: at 1,000 sites a few hundred thousand index entries per poll.
// site_hours keeps the chart's metrics side by side, one narrow row per hour
// and site, in the order the rows are read, so the poll reads one row per
// bar and groups in Go. Only SQLite has it; PostgreSQL reads site_rollups.

// chartMetrics are the metrics site_hours holds, in its column order.
var chartMetrics = []string{store.MetricTotal, store.MetricIn, store.MetricOut, store.MetricFever}

var siteHourUpserts = manyRows{head: `INSERT INTO site_hours (hour, site, total, in_n, out_n, fever) VALUES `, width: 6,
	tail: ` ON CONFLICT (hour, site) DO UPDATE SET total = total + excluded.total,
	in_n = in_n + excluded.in_n, out_n = out_n + excluded.out_n, fever = fever + excluded.fever`, sizes: rowsPerStmt}

// addSiteHours adds a batch's site counts of the chart metrics.
func (s *Store) addSiteHours(ctx context.Context, tx *sql.Tx, counts map[rollupKey]int) error {
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
func chartQuery(q store.RollupQuery) bool {
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
func (s *Store) chartRollups(ctx context.Context, q store.RollupQuery) ([]store.RollupRow, error) {
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
	// In hour order, the table's own, SQLite needs no sort and the builder
	// sees each key's hours in order. Sites are prefixed with '=' so the
	// fleet's own key, '', is a field too; concat copies each group once,
	// where || copied it once per operator.
	rows, err := s.db.QueryContext(ctx, `SELECT hour, group_concat(concat('=', site, ' ', total, ' ',
		in_n, ' ', out_n, ' ', fever), ' ') FROM site_hours
		WHERE hour >= ? AND hour < ? AND `+cond+` GROUP BY hour ORDER BY hour`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rollups: %w", err)
	}
	defer rows.Close()
	b := chartBuilder{q: q, facility: facility, at: map[string]int{}}
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

// siteFacilities maps every site to its facility (see SiteFacility); nil
// when the query does not need it.
func (s *Store) siteFacilities(ctx context.Context, need bool) (map[string]string, error) {
	if !need {
		return nil, nil
	}
	expr := strings.ReplaceAll(store.SiteFacility, "r.site", "r.id")
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

// chartBuilder folds site_hours rows, read in hour order, into RollupRows
// by the query's key. Each key's rows are kept apart, so a row is found
// as the key's last and the keys alone are sorted at the end: a map and a
// sort over the 23,000 rows of 1,000 sites were a third of the chart's time.
type chartBuilder struct {
	q        store.RollupQuery
	facility map[string]string
	at       map[string]int // index into series
	series   []chartSeries
}

type chartSeries struct {
	key  string
	rows []store.RollupRow // in hour order
}

// addSites reads an hour's "=site total in out fever" groups, field by
// field: split into a slice first, the hours of 1,000 sites allocated
// megabytes per poll.
func (b *chartBuilder) addSites(hour int64, sites string) error {
	rest := sites
	next := func() string {
		f, r, _ := strings.Cut(rest, " ")
		rest = r
		return f
	}
	for rest != "" {
		site, ok := strings.CutPrefix(next(), "=")
		if !ok {
			return fmt.Errorf("a group does not start with a site at %.40q", sites)
		}
		var c [4]int
		for i := range c {
			n, err := strconv.Atoi(next())
			if err != nil {
				return fmt.Errorf("site %s: %w", site, err)
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
	var row *store.RollupRow
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

func (b *chartBuilder) slot(key string, hour int64) *store.RollupRow {
	i, ok := b.at[key]
	if !ok {
		i = len(b.series)
		b.at[key] = i
		b.series = append(b.series, chartSeries{key: key})
	}
	s := &b.series[i]
	if n := len(s.rows); n > 0 && s.rows[n-1].Hour.Unix() == hour {
		return &s.rows[n-1]
	}
	s.rows = append(s.rows, store.RollupRow{Key: key, Hour: time.Unix(hour, 0).UTC(), Counts: make(map[string]int, len(b.q.Metrics))})
	return &s.rows[len(s.rows)-1]
}

// rows are ordered by key, then hour, as site_rollups' query orders them.
func (b *chartBuilder) rows() []store.RollupRow {
	slices.SortFunc(b.series, func(x, y chartSeries) int { return strings.Compare(x.key, y.key) })
	n := 0
	for _, s := range b.series {
		n += len(s.rows)
	}
	out := make([]store.RollupRow, 0, n)
	for _, s := range b.series {
		out = append(out, s.rows...)
	}
	return out
}
