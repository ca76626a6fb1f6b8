package sqlite

import (
	"database/sql"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// TestBigBatchesCountLikeOneEntryAtATime: batches touching thousands of
// counters, run as statements of many rows (manyRows), leave every rollup
// table and each unit's day count exactly as counting entry by entry
// would, through first inserts, updates of existing counters and the
// units' first day.
func TestBigBatchesCountLikeOneEntryAtATime(t *testing.T) {
	s := openTemp(t)
	s.SetTimezone(time.UTC)
	at := t0.Truncate(24 * time.Hour).Add(18 * time.Hour)
	rng := rand.New(rand.NewPCG(3, 4))
	want := map[rollupKey]int{}
	seqs := map[string]uint64{}
	for batch := 0; batch < 3; batch++ {
		var entries []wire.Entry
		for u := 0; u < 150+batch; u++ {
			unit := fmt.Sprintf("u%03d", u)
			for i := 0; i < 1+rng.IntN(12); i++ {
				seqs[unit]++
				e := entry(fmt.Sprintf("s%d", u%7), unit, seqs[unit])
				e.Time = at.Add(-time.Duration(1+rng.IntN(10*60)) * time.Minute)
				if rng.IntN(3) == 0 {
					e.Lane = wire.LaneOut
				}
				if rng.IntN(8) == 0 {
					e.Decision, e.Alert = wire.Recheck, "fever"
				}
				entries = append(entries, e)
				tally(want, &e, at)
			}
		}
		put(t, s, at, entries...)
	}
	checkCounters(t, s, want)
	perUnit := map[string]int{}
	for k, n := range want {
		if k.unit != "" && k.metric == store.MetricTotal {
			perUnit[k.unit] += n
		}
	}
	// u151 came in the last batch only: its row did not exist when the
	// batch counted, so its day is stale and the fleet view sums its hours.
	perUnit["u151"] = 0
	got := readCounts(t, s, `SELECT unit, today_n FROM units`, func(r *sql.Rows) (string, int, error) {
		var unit string
		var n int
		return unit, n, r.Scan(&unit, &n)
	})
	if !maps.Equal(got, perUnit) {
		for unit, n := range perUnit {
			if got[unit] != n {
				t.Errorf("unit %s: day count %d, want %d", unit, got[unit], n)
			}
		}
		t.Errorf("%d units with a day count, want %d", len(got), len(perUnit))
	}
}

// checkCounters compares the rollup tables with want.
func checkCounters(t *testing.T, s *Store, want map[rollupKey]int) {
	t.Helper()
	wantUnits, wantSites, wantTotals, wantHours := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for k, n := range want {
		key := fmt.Sprintf("%s/%s/%d/%s", k.site, k.unit, k.hour, k.metric)
		switch {
		case k.unit != "":
			wantUnits[key] = n
		default:
			wantSites[key] = n
		}
		if k.unit != "" && k.metric == store.MetricTotal {
			wantTotals[fmt.Sprintf("%s/%d", k.unit, k.hour)] = n
		}
		if k.unit == "" && (k.metric == store.MetricIn || k.metric == store.MetricFever) {
			wantHours[fmt.Sprintf("%s/%d/%s", k.site, k.hour, k.metric)] = n
		}
	}
	scan4 := func(r *sql.Rows) (string, int, error) {
		var site, unit, metric string
		var hour int64
		var n int
		err := r.Scan(&site, &unit, &hour, &metric, &n)
		return fmt.Sprintf("%s/%s/%d/%s", site, unit, hour, metric), n, err
	}
	for _, c := range []struct {
		name  string
		query string
		scan  func(*sql.Rows) (string, int, error)
		want  map[string]int
	}{
		{"rollups", `SELECT site, unit, hour, metric, n FROM rollups`, scan4, wantUnits},
		{"site_rollups", `SELECT site, '', hour, metric, n FROM site_rollups`, scan4, wantSites},
		{"unit_totals", `SELECT unit, hour, n FROM unit_totals`, func(r *sql.Rows) (string, int, error) {
			var unit string
			var hour int64
			var n int
			err := r.Scan(&unit, &hour, &n)
			return fmt.Sprintf("%s/%d", unit, hour), n, err
		}, wantTotals},
		{"site_hours", `SELECT site, hour, 'in', in_n FROM site_hours WHERE in_n > 0
			UNION ALL SELECT site, hour, 'fever', fever FROM site_hours WHERE fever > 0`,
			func(r *sql.Rows) (string, int, error) {
				var site, metric string
				var hour int64
				var n int
				err := r.Scan(&site, &hour, &metric, &n)
				return fmt.Sprintf("%s/%d/%s", site, hour, metric), n, err
			}, wantHours},
	} {
		if got := readCounts(t, s, c.query, c.scan); !maps.Equal(got, c.want) {
			t.Errorf("%s: %d counters, want %d; they differ", c.name, len(got), len(c.want))
		}
	}
}

func readCounts(t *testing.T, s *Store, query string, scan func(*sql.Rows) (string, int, error)) map[string]int {
	t.Helper()
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		k, n, err := scan(rows)
		if err != nil {
			t.Fatal(err)
		}
		got[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}
