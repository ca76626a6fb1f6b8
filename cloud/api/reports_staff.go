package api

import (
	"context"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/staff"
)

// staffChecks fills each site's roll call for the report's period: the
// distinct people checked in each round (a person scanned at two gates
// in one round counts once), and the roster's people times the rounds
// of the period's days, as the site's units last named their number.
func (s *server) staffChecks(ctx context.Context, p report.Period, in map[string]*report.SiteInput) error {
	if s.opts.Staff == nil {
		return nil
	}
	days := max(1, int((p.Until.Sub(p.Since)+time.Hour)/(24*time.Hour)))
	for site, si := range in {
		if err := staffInput(ctx, s.opts.Staff.Store, site, p, days, si); err != nil {
			return err
		}
	}
	return nil
}

func staffInput(ctx context.Context, st staff.Store, site string, p report.Period, days int, si *report.SiteInput) error {
	ro, err := st.StaffRoster(ctx, site)
	if err != nil || ro.Version == 0 {
		return err
	}
	rounds, err := st.StaffRounds(ctx, site)
	if err != nil {
		return err
	}
	perDay := 0
	for _, r := range rounds {
		perDay = max(perDay, r.Round.Rounds)
	}
	checks, err := st.StaffChecks(ctx, site, p.Since)
	if err != nil {
		return err
	}
	onRoster := map[string]bool{}
	for _, m := range ro.Members {
		onRoster[m.ID] = true
	}
	seen := map[[3]string]bool{}
	for _, c := range checks {
		if c.At.Before(p.Until) && onRoster[c.ID] {
			seen[[3]string{c.ID, c.Day, c.Round}] = true
		}
	}
	si.StaffDone, si.StaffDue = len(seen), len(ro.Members)*perDay*days
	return nil
}
