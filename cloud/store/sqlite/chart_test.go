package sqlite

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// TestChartRollupsAgreeWithSiteRollups: every query the narrow site_hours
// table answers gives exactly the rows the full site_rollups would.
func TestChartRollupsAgreeWithSiteRollups(t *testing.T) {
	s := openTemp(t)
	if err := s.PutSites(ctx, []store.Site{{ID: "s0", Name: "S0", Facility: "market"}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for u := 0; u < 6; u++ {
		site, unit := fmt.Sprintf("s%d", u%3), fmt.Sprintf("u%d", u)
		putStatus(t, s, wire.Status{Schema: wire.SchemaVersion, Site: site, Unit: unit, State: wire.Online,
			Facility: []string{"market", "community", "school"}[u%3]}, received)
		var batch []wire.Entry
		for seq := uint64(1); seq <= 120; seq++ {
			e := entry(site, unit, seq)
			e.Time = t0.Add(time.Duration(rng.IntN(10*60)) * time.Minute)
			if rng.IntN(3) == 0 {
				e.Lane = wire.LaneOut
			}
			if rng.IntN(9) == 0 {
				e.Decision, e.Alert = wire.Recheck, "fever"
			}
			batch = append(batch, e)
		}
		put(t, s, received, batch...)
	}
	since, until := t0.Add(time.Hour), t0.Add(8*time.Hour)
	queries := []store.RollupQuery{
		{By: "site", Metrics: []string{store.MetricIn, store.MetricOut, store.MetricFever}},
		{By: "site", Metrics: []string{store.MetricFever}},
		{By: "site", Site: "s1", Metrics: []string{store.MetricTotal, store.MetricIn}},
		{By: "all", Metrics: []string{store.MetricIn, store.MetricOut}},
		{By: "facility", Metrics: []string{store.MetricIn, store.MetricOut, store.MetricFever}},
		{By: "site", Facility: "community", Metrics: []string{store.MetricOut}},
		{By: "site", Metrics: []string{store.MetricIn, store.MetricOut}, Whole: true},
		{By: "facility", Metrics: []string{store.MetricTotal}, Whole: true},
	}
	for _, q := range queries {
		q.Since, q.Until = since, until
		if !chartQuery(q) {
			t.Fatalf("%+v: not answered from site_hours", q)
		}
		got, err := s.chartRollups(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		text, args, err := rollupSQL(q)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.db.QueryContext(ctx, text, args...)
		if err != nil {
			t.Fatal(err)
		}
		want, err := scanRollups(rows)
		rows.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%+v:\n got %v\nwant %v", q, got, want)
		}
	}
}
