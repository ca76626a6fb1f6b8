package api

import (
	"context"
	"slices"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
)

// returneeRows gives each site of a report with the returnees column the
// returnees registered at its gates in the period (report "The returnee
// list"), names masked, with the plan the centre's rules give their
// origin and their next test after the cut.
func (s *server) returneeRows(ctx context.Context, def report.Def, p report.Period, in map[string]*report.SiteInput) error {
	if !slices.Contains(def.Columns, report.ColReturnees) {
		return nil
	}
	rs, err := s.store.HoldEntries(ctx, "", p.Since)
	if err != nil {
		return err
	}
	for _, r := range rs {
		si := in[r.Site]
		at := store.EntryTS(&r.Entry, r.ReceivedAt)
		if si == nil || !store.IsReturneeRegistration(r) || !at.Before(p.Until) {
			continue
		}
		row := report.ReturneeRow{Site: r.Site, Name: maskName(r.Visitor.Name), Origin: r.Returnee.Origin,
			Arrived: r.Returnee.Arrived, Household: r.Returnee.Household}
		if s.opts.ReturneePlan != nil {
			var tests []time.Time
			row.Plan, tests = s.opts.ReturneePlan(r.Returnee.Origin, r.Returnee.Arrived)
			for _, t := range tests {
				if t.After(p.Until) {
					row.NextTest = &t
					break
				}
			}
		}
		si.Returnees = append(si.Returnees, row)
	}
	return nil
}
