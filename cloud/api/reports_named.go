package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
)

// Named reports (docs/product.md "Reporting deadlines"): each with its own
// cut, columns and sites, defined in the collector's config ([[reports]]).
// GET /api/v1/reports lists them, GET /api/v1/reports/{id} renders one
// for a date as JSON, CSV or XLSX, GET /api/v1/reports/{id}/deliveries
// lists the attempts to deliver it (cloud/collector reports.go sends them).
// A caller gets only the sites they may see.

// reportJSON is a report definition as GET /api/v1/reports lists it,
// with the period the report serves now.
type reportJSON struct {
	report.Def
	Latest report.Period `json:"latest"`
}

// defs are the reports the API serves: the configured ones, and the
// daily report at ReportCut unless one of them is named daily.
func (s *server) defs() []report.Def {
	defs := slices.Clone(s.opts.Reports)
	if !slices.ContainsFunc(defs, func(d report.Def) bool { return d.ID == report.DailyID }) {
		defs = append([]report.Def{DailyDef(s.opts.ReportCut)}, defs...)
	}
	return defs
}

// DailyDef is the daily report at cut: every site, the daily columns.
func DailyDef(cut [2]int) report.Def {
	return report.Def{ID: report.DailyID, Title: "", Cut: fmt.Sprintf("%02d:%02d", cut[0], cut[1])}
}

func (s *server) def(id string) (report.Def, bool) {
	i := slices.IndexFunc(s.defs(), func(d report.Def) bool { return d.ID == id })
	if i < 0 {
		return report.Def{}, false
	}
	return s.defs()[i], true
}

// reportReaders may read reports: the centre and the sites, not a gate.
var reportReaders = []string{RoleMonitor, RoleTracer, RoleSiteManager}

func (s *server) listReports(w http.ResponseWriter, r *http.Request) {
	err := readParams(r.URL.Query(), nil)
	if err == nil {
		err = s.caller(r).require("the reports", reportReaders...)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	now := s.opts.Now()
	out := []reportJSON{}
	for _, d := range s.defs() {
		out = append(out, reportJSON{Def: d, Latest: d.Latest(now, s.opts.Location)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": out})
}

func (s *server) namedReport(w http.ResponseWriter, r *http.Request) {
	s.serveReport(w, r, r.PathValue("id"))
}

// serveReport renders report id for ?date= (default: the latest period
// ended) as ?format= json, csv or xlsx, in ?lang=.
func (s *server) serveReport(w http.ResponseWriter, r *http.Request, id string) {
	var date, lang, asked string
	format := "json"
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"date":   func(v string) error { date = v; return dateInStoreRange(v) },
		"format": oneOf(&format, "json", "csv", "xlsx"),
		"lang":   oneOf(&lang, "zh", "en"),
		"region": func(v string) error { return idParam(&asked, v) },
	})
	c := s.caller(r)
	if err == nil {
		err = c.require("the reports", reportReaders...)
	}
	var within string
	if err == nil {
		within, err = s.regionFilter(c, asked)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	def, ok := s.def(id)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no report %q; GET /api/v1/reports lists the reports there are", id))
		return
	}
	p := def.Latest(s.opts.Now(), s.opts.Location)
	if date != "" {
		if p, err = def.PeriodFor(date, s.opts.Location); err != nil {
			refuse(w, err)
			return
		}
	}
	keep := func(site string) bool {
		return c.sees(site, "") && (within == "" || s.opts.Regions.Within(within, site))
	}
	rep, err := s.buildReport(r.Context(), def, p, keep)
	if err != nil {
		s.internal(w, "build the report "+id, err)
		return
	}
	if format == "json" {
		writeJSON(w, http.StatusOK, rep)
		return
	}
	s.sendReport(w, rep, format, lang)
}

// reportDeliveries lists the attempts to deliver report id, newest first
// (?date= narrows to one period, ?limit= as for entries): central
// monitoring's, since the recipients are the centre's.
func (s *server) reportDeliveries(w http.ResponseWriter, r *http.Request) {
	q := store.DeliveryQuery{Report: r.PathValue("id")}
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"date": func(v string) error {
			q.Date = v
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return fmt.Errorf("%q is not a day; want YYYY-MM-DD", v)
			}
			return nil
		},
		"limit": func(v string) error {
			var sq store.Query
			err := limitParam(&sq, v)
			q.Limit = sq.Limit
			return err
		},
	})
	if err == nil {
		err = s.caller(r).require("report deliveries", RoleMonitor)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	if _, ok := s.def(q.Report); !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no report %q; GET /api/v1/reports lists the reports there are", q.Report))
		return
	}
	list, err := s.store.Deliveries(r.Context(), q)
	if err != nil {
		s.internal(w, "list the deliveries of report "+q.Report, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
}

// Reporter builds named reports outside a request: what the collector's
// delivery scheduler sends. It sees every site the report covers.
type Reporter struct{ s *server }

// NewReporter builds reports from st as the API configured by opts does.
func NewReporter(st Store, opts Options) (*Reporter, error) {
	if opts.Location == nil {
		return nil, errors.New("api: a reporter needs the collector's time zone (Options.Location)")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Reporter{s: &server{store: st, opts: opts}}, nil
}

// Defs are the reports there are.
func (rp *Reporter) Defs() []report.Def { return rp.s.defs() }

// Build makes report def for the period ending on date.
func (rp *Reporter) Build(ctx context.Context, def report.Def, date string) (report.Report, error) {
	p, err := def.PeriodFor(date, rp.s.opts.Location)
	if err != nil {
		return report.Report{}, err
	}
	return rp.s.buildReport(ctx, def, p, func(string) bool { return true })
}
