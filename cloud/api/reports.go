package api

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
)

// daily serves the daily report (日报) as JSON, CSV or XLSX: one export
// that serves every office that asks (docs/product.md "What else the
// plans ask of a checkpoint": reports every day, to many offices, filled in
// again and again).
func (s *server) daily(w http.ResponseWriter, r *http.Request) {
	var date, lang, asked string
	format := "json"
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"date":   func(v string) error { date = v; return dateInStoreRange(v) },
		"format": oneOf(&format, "json", "csv", "xlsx"),
		"lang":   oneOf(&lang, "zh", "en"),
		"region": func(v string) error { return idParam(&asked, v) },
	})
	p := report.LatestCut(s.opts.Now(), s.opts.ReportCut[0], s.opts.ReportCut[1], s.opts.Location)
	if err == nil && date != "" {
		p, err = report.PeriodFor(date, s.opts.ReportCut[0], s.opts.ReportCut[1], s.opts.Location)
	}
	c := s.caller(r)
	if err == nil { // the daily report is the centre's and the site's, not a gate's
		err = c.require("the daily report", RoleMonitor, RoleTracer, RoleSiteManager)
	}
	var within string
	if err == nil {
		within, err = s.regionFilter(c, asked)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	rep, err := s.buildReport(r, p, within)
	if err != nil {
		s.internal(w, "build the daily report", err)
		return
	}
	if format == "json" {
		writeJSON(w, http.StatusOK, rep)
		return
	}
	s.sendReport(w, rep, format, lang)
}

func (s *server) sendReport(w http.ResponseWriter, rep report.Report, format, lang string) {
	var buf bytes.Buffer
	write, ctype := report.WriteCSV, "text/csv; charset=utf-8"
	if format == "xlsx" {
		write, ctype = report.WriteXLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	if err := write(&buf, rep, lang); err != nil {
		s.internal(w, "write the daily report", err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="kakou-daily-`+rep.Date+`.`+format+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// buildReport gathers each site's rollups over the period, its device
// faults raised in it and its alerts still open. Alerts are read newest
// first up to the store's query limit, enough for a day's faults.
func (s *server) buildReport(r *http.Request, p report.Period, within string) (report.Report, error) {
	ctx := r.Context()
	sites, err := s.store.Sites(ctx)
	if err != nil {
		return report.Report{}, err
	}
	rows, err := s.store.Rollups(ctx, store.RollupQuery{By: "site", Since: p.Since.Truncate(time.Hour), Until: p.Until, Whole: true})
	if err != nil {
		return report.Report{}, err
	}
	alerts, err := s.store.Alerts(ctx, store.AlertQuery{Limit: store.MaxLimit})
	if err != nil {
		return report.Report{}, err
	}
	in := map[string]*report.SiteInput{}
	var list []report.SiteInput
	c := s.caller(r)
	for _, st := range sites {
		if !c.seesSite(st.ID) || within != "" && !s.opts.Regions.Within(within, st.ID) { // a site manager's report: their site
			continue
		}
		list = append(list, report.SiteInput{Site: st.ID, Name: st.Name, Facility: st.Facility, Counts: map[string]int{}})
	}
	for i := range list {
		in[list[i].Site] = &list[i]
	}
	for _, row := range rows {
		if si := in[row.Key]; si != nil {
			for m, n := range row.Counts {
				si.Counts[m] += n
			}
		}
	}
	if err := s.dutyNames(r, p, in); err != nil {
		return report.Report{}, err
	}
	for _, a := range alerts {
		si := in[a.Site]
		switch {
		case si == nil:
		case a.AckedAt.IsZero():
			si.AlertsOpen++
			fallthrough
		default:
			if a.Kind == "device" && !a.RaisedAt.Before(p.Since) && a.RaisedAt.Before(p.Until) {
				si.DeviceFaults++
			}
		}
	}
	for i := range list {
		if list[i].NotClosedOut, err = s.notClosedOut(ctx, list[i].Site, p.Until); err != nil {
			return report.Report{}, err
		}
	}
	if err := s.dataGaps(ctx, p, in); err != nil {
		return report.Report{}, err
	}
	rep := report.Build(p, list)
	rep.Stamp(s.opts.Now())
	return rep, nil
}

// dutyNames gives each site's report the names of its duties (大门消毒
// for gate-disinfection) from the period's duty records, so the missed
// column reads as the guards' own list does.
func (s *server) dutyNames(r *http.Request, p report.Period, in map[string]*report.SiteInput) error {
	recs, err := s.store.Entries(r.Context(), store.Query{Records: true, Since: p.Since, Until: p.Until, Limit: store.MaxLimit})
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

// notClosedOut lists the visitors at site still inside at the cut, their
// names masked: those who entered before it and were not closed out by
// then (a later close-out does not take them off that day's report).
func (s *server) notClosedOut(ctx context.Context, site string, cut time.Time) ([]string, error) {
	rows, err := store.Visits(ctx, s.store, store.VisitQuery{Site: site, Since: cut.Add(-store.VisitWindow), Until: cut})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range rows {
		if v.Inside() || v.LeftAt.After(cut) {
			out = append(out, v.Code+" "+maskName(v.Name))
		}
	}
	return out, nil
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
