package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
)

// daily serves the daily report (日报) as JSON, CSV or XLSX: one export
// that serves every office that asks (docs/product.md "What else the
// plans ask of a checkpoint": reports every day, to many offices, filled in
// again and again). It is the named report "daily" (reports_named.go).
func (s *server) daily(w http.ResponseWriter, r *http.Request) {
	s.serveReport(w, r, report.DailyID)
}

func (s *server) sendReport(w http.ResponseWriter, rep report.Report, format, lang string) {
	body, ctype, err := Export(rep, format, lang)
	if err != nil {
		s.internal(w, "write the report", err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+report.FileName(rep, format)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}

// Export writes rep as format ("csv" or "xlsx") in lang, with its
// content type: what the API serves and the scheduler delivers.
func Export(rep report.Report, format, lang string) ([]byte, string, error) {
	var buf bytes.Buffer
	write, ctype := report.WriteCSV, "text/csv; charset=utf-8"
	if format == "xlsx" {
		write, ctype = report.WriteXLSX, XLSXType
	}
	if err := write(&buf, rep, lang); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), ctype, nil
}

// XLSXType is the XLSX media type.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// buildReport gathers, for each site def covers that keep lets through,
// its rollups over the period, its device faults and fevers raised in it,
// its alerts still open, its duties' names, its visitors not closed out
// and what leaves its data incomplete.
//
// The five reads are independent and run at once: a report over a
// thousand sites spends its time waiting on them, and a collector has
// more than one core. Each fills its own fields of the sites' inputs and
// only reads the map, so they share nothing they write.
func (s *server) buildReport(ctx context.Context, def report.Def, p report.Period, keep func(site string) bool) (report.Report, error) {
	sites, err := s.store.Sites(ctx)
	if err != nil {
		return report.Report{}, err
	}
	in := map[string]*report.SiteInput{}
	var list []report.SiteInput
	for _, st := range sites {
		if !keep(st.ID) || !def.Covers(st.ID, s.opts.Regions.Path(st.ID)) {
			continue
		}
		list = append(list, report.SiteInput{Site: st.ID, Name: st.Name, Facility: st.Facility, Counts: map[string]int{}})
	}
	for i := range list {
		in[list[i].Site] = &list[i]
	}
	reads := []func() error{
		func() error { return s.siteCounts(ctx, p, in) },
		func() error { return s.siteAlerts(ctx, p, in) },
		func() error { return s.dutyNames(ctx, p, in) },
		func() error { return s.notClosedOut(ctx, p.Until, in) },
		func() error { return s.dataGaps(ctx, p, in) },
		func() error { return s.staffChecks(ctx, p, in) },
		func() error { return s.returneeRows(ctx, def, p, in) }, // reports_returnees.go
		func() error { return s.venueCounts(ctx, def, p, in) },  // reports_venue.go
	}
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Go(func() { errs[i] = read() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return report.Report{}, err
	}
	rep := report.Build(p, list)
	def.Name(&rep)
	rep.Stamp(s.opts.Now())
	return rep, nil
}

// siteCounts adds each site's rollups over p to its Counts.
func (s *server) siteCounts(ctx context.Context, p report.Period, in map[string]*report.SiteInput) error {
	rows, err := s.store.Rollups(ctx, store.RollupQuery{By: "site", Since: p.Since.Truncate(time.Hour), Until: p.Until, Whole: true})
	if err != nil {
		return err
	}
	for _, row := range rows {
		if si := in[row.Key]; si != nil {
			for m, n := range row.Counts {
				si.Counts[m] += n
			}
		}
	}
	return nil
}

// siteAlerts reads the alerts of the period and those still open from
// before its end, every one of them, and counts them per site
// (countAlerts).
func (s *server) siteAlerts(ctx context.Context, p report.Period, in map[string]*report.SiteInput) error {
	alerts, err := s.store.ReportAlerts(ctx, p.Since, p.Until)
	if err != nil {
		return err
	}
	countAlerts(alerts, p, in)
	return nil
}

// countAlerts gives each site its open alerts, its device faults raised
// in p, and its fevers raised in p with what was done about each one
// acknowledged (the action the operator recorded).
func countAlerts(alerts []store.Alert, p report.Period, in map[string]*report.SiteInput) {
	for _, a := range alerts {
		si := in[a.Site]
		if si == nil {
			continue
		}
		if a.AckedAt.IsZero() {
			si.AlertsOpen++
		}
		if a.RaisedAt.Before(p.Since) || !a.RaisedAt.Before(p.Until) {
			continue
		}
		switch a.Kind {
		case "device":
			si.DeviceFaults++
		case "fever":
			if !a.AckedAt.IsZero() {
				si.FeverActions = append(si.FeverActions, a.Action)
			}
		}
	}
}

// dutyNames gives each site's report the names of its duties (大门消毒
// for gate-disinfection) from the period's duty records, so the missed
// column reads as the guards' own list does.
func (s *server) dutyNames(ctx context.Context, p report.Period, in map[string]*report.SiteInput) error {
	recs, err := s.store.Entries(ctx, store.Query{Records: true, Since: p.Since, Until: p.Until, Limit: store.MaxLimit})
	if err != nil {
		return err
	}
	for _, rec := range recs {
		si := in[rec.Site]
		if si == nil || rec.Record == nil || rec.Record.Duty == nil || rec.Record.Duty.Name == "" {
			continue
		}
		if si.DutyNames == nil {
			si.DutyNames = map[string]string{}
		}
		si.DutyNames[rec.Record.Duty.ID] = rec.Record.Duty.Name
	}
	return nil
}

// notClosedOut lists, for each site, the visitors still inside at the
// cut, their names masked: those who entered before it and were not
// closed out by then (a later close-out does not take them off that
// day's report). One read for every site: one query per site was most of
// the time of a report over a thousand sites.
func (s *server) notClosedOut(ctx context.Context, cut time.Time, in map[string]*report.SiteInput) error {
	bySite, err := store.VisitsBySite(ctx, s.store, cut.Add(-store.VisitWindow), cut)
	if err != nil {
		return err
	}
	for site, rows := range bySite {
		si := in[site]
		if si == nil {
			continue
		}
		for _, v := range rows {
			if v.Inside() || v.LeftAt.After(cut) {
				si.NotClosedOut = append(si.NotClosedOut, v.Code+" "+maskName(v.Name))
			}
		}
	}
	return nil
}

// dateInStoreRange refuses a report day the store's times cannot hold;
// what is not a day at all report.PeriodFor refuses with its own words.
func dateInStoreRange(v string) error {
	day, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return nil
	}
	return inStoreRange(day)
}
