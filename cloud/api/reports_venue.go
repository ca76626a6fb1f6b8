package api

import (
	"context"
	"errors"
	"slices"

	"github.com/kakou/kakou/cloud/report"
)

// venueCounts fills each site's registrations on the venue code's page
// for a report that shows one of the appointment columns: counted as the
// manager's day view counts them (venue_day.go), over the report's period,
// with no-shows judged at the period's end or now, whichever is earlier
// (a provisional report does not call a booking still in its window a
// no-show). One read per site: only reports that ask pay for it.
func (s *server) venueCounts(ctx context.Context, def report.Def, p report.Period, in map[string]*report.SiteInput) error {
	if s.opts.Venue == nil || !slices.ContainsFunc(def.Columns, func(c string) bool { return slices.Contains(report.VenueColumns, c) }) {
		return nil
	}
	at := s.opts.Now()
	if at.After(p.Until) {
		at = p.Until
	}
	for site, si := range in {
		vs, err := s.opts.Venue.Sites.VenueSite(ctx, site)
		if errors.Is(err, ErrVenueSiteUnknown) {
			continue // the site registers no one: zeros
		} else if err != nil {
			return err
		}
		bookings, err := s.opts.Venue.Store.Bookings(ctx, site, p.Since, p.Until)
		if err != nil {
			return err
		}
		arrivals, err := s.arrivalsOf(ctx, site, bookings)
		if err != nil {
			return err
		}
		v := assembleDayView(p.Since, vs.Appointments, bookings, arrivals, at)
		si.Venue = report.VenueCounts{Registrations: v.Registrations, Arrivals: v.Arrivals, NoShows: v.NoShows}
		for _, b := range bookings {
			if b.Booked() {
				si.Venue.Bookings++
			}
		}
	}
	return nil
}
