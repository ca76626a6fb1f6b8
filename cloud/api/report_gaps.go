package api

import (
	"context"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// dataGaps says, per site, why its figures for p may be missing entries,
// so a dead gate files 数据不完整 rather than a 零报告 (docs/product.md
// "Central monitoring": the zero report means nothing abnormal happened,
// which only a site that reported can say):
//   - a unit that sent no entry in the period (a dead or unplugged gate);
//   - a unit offline now, last heard from before the cut: what it
//     screened since is not here;
//   - a unit holding entries not yet acknowledged from before the cut.
//
// A site gateway screens nobody and is judged only by its backlog. The
// units' state is what they say now, so only a report whose cut is at
// most gapHorizon ago (the one due now, or still running) is judged by
// it; an older day's report stands on its entries alone, and a unit
// installed since would otherwise spoil it.
func (s *server) dataGaps(ctx context.Context, p report.Period, in map[string]*report.SiteInput) error {
	if s.opts.Now().Sub(p.Until) > gapHorizon {
		return nil
	}
	units, err := s.store.Units(ctx, p.Since)
	if err != nil {
		return err
	}
	sent, err := s.store.Rollups(ctx, store.RollupQuery{By: "unit", Since: p.Since.Truncate(time.Hour), Until: p.Until,
		Metrics: []string{store.MetricTotal}, Whole: true})
	if err != nil {
		return err
	}
	any := map[string]bool{}
	for _, row := range sent {
		any[row.Key] = row.Counts[store.MetricTotal] > 0
	}
	for _, u := range units {
		si := in[u.Site]
		if si == nil {
			continue
		}
		si.Gaps = append(si.Gaps, unitGaps(u, p, any[store.UnitID{Site: u.Site, Unit: u.ID}.String()], s.opts.Location)...)
	}
	return nil
}

// gapHorizon is how long after its cut a report is still judged by the
// units' present state: until the next day's cut.
const gapHorizon = 24 * time.Hour

// unitGaps are u's reasons, in Chinese like the report's other words.
func unitGaps(u store.Unit, p report.Period, sent bool, loc *time.Location) []string {
	at := func(t time.Time) string { return t.In(loc).Format("01-02 15:04") }
	var gaps []string
	if u.Role != wire.RoleGateway && !sent {
		gaps = append(gaps, u.ID+" 本时段无数据")
	}
	// Offline since before the cut; a unit never heard from live (no
	// status yet) has no "since" to say and is judged by its entries.
	if !u.Online && !u.LastSeen.IsZero() && u.LastSeen.Before(p.Until) {
		gaps = append(gaps, fmt.Sprintf("%s 离线（最后在线 %s）", u.ID, at(u.LastSeen)))
	}
	if u.Backlog > 0 && !u.OldestUnacked.IsZero() && u.OldestUnacked.Before(p.Until) {
		gaps = append(gaps, fmt.Sprintf("%s 有 %d 条记录待上传（最早 %s）", u.ID, u.Backlog, at(u.OldestUnacked)))
	}
	return gaps
}
