package report

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rollup metric names the report reads (the rollup metric names
// of cloud/store/rollup.go, which GET /api/v1/rollups serves). They are repeated here rather than imported so the report does
// not depend on the store.
const (
	metricTotal   = "total"
	metricIn      = "in"
	metricOut     = "out"
	metricDeny    = "decision:deny"
	metricRecheck = "decision:recheck"
	metricFever   = "fever"
	metricVisitor = "visitor"
	// metricOverrideAdmit counts the guard overrides that let someone in
	// (人工放行); "override" counts every override, also one that turned
	// a person away, which is no 放行.
	metricOverrideAdmit = "override_admit"
	metricPersuade      = "decision:persuade_return"
	metricRefer         = "decision:refer"
	alertPrefix         = "alert:"
	alertFever          = alertPrefix + "fever"
	alertCodeRed        = alertPrefix + "health_code_red"
	alertCodeYellow     = alertPrefix + "health_code_yellow"
	// Reasons of entries not allowed (reason:<code>): a person who
	// refused to show proof (wire.ReasonRefusedProof), and a returnee
	// from a risk area asked to register (firmware/policy's
	// watch_returnee).
	reasonRefusedProof = "reason:refused_proof"
	reasonReturnee     = "reason:watch_returnee"
)

// The total row's identity. The site ID is a plain word so JSON readers
// can tell it apart from a wire site ID; the spreadsheet shows "合计" or
// "Total" instead.
const (
	TotalSite = "total"
	TotalName = "合计"
)

// SiteInput is what the report needs to know of one site for the period.
// The caller fills it from its store; the report reads nothing else.
type SiteInput struct {
	Site     string         // wire site ID
	Name     string         // display name, as central monitoring knows it
	Facility string         // facility type: community, supermarket, ...
	Counts   map[string]int // rollup metric -> count, summed over the period
	// DeviceFaults is how many device faults the site's units reported in
	// the period (alerts of kind "device").
	DeviceFaults int
	// AlertsOpen is how many of the site's alerts are still unacknowledged
	// when the report is built, whenever they were raised.
	AlertsOpen int
	// DutyNames names the duty ids of the duty log's metrics (大门消毒
	// for gate-disinfection); an id without a name is shown as it is.
	DutyNames map[string]string
	// NotClosedOut are the visitors still inside at the period's end, no
	// exit having closed their visit (及时销号): each "code name" with the
	// name masked, as the hand-over lists them.
	NotClosedOut []string
	// FeverActions are what was done about each fever alert raised at
	// the site in the period and acknowledged since (the action the
	// acknowledging operator recorded, 转发热门诊 …).
	FeverActions []string
	// Gaps say why the site's figures may be missing entries: a unit that
	// sent nothing in the period, one offline since before the cut, one
	// still holding a backlog from before it (each a phrase in Chinese,
	// naming the unit). A site with gaps files no zero report: a dead gate
	// must not report "nothing abnormal".
	Gaps []string
	// StaffDone and StaffDue are the roll call's checks (staff.go): each
	// person checked once per round, and the roster times the rounds.
	StaffDone, StaffDue int
	// Returnees are the returnees registered at the site's gates in the
	// period (returnees.go), counted with the returnees column.
	Returnees []ReturneeRow
	// Venue are the registrations on the venue code's page (appointments.go).
	Venue VenueCounts
}

// Row is one line of the report: a site, or the total.
type Row struct {
	Site         string `json:"site"`
	Name         string `json:"name"`
	Facility     string `json:"facility"`
	Total        int    `json:"total"`
	In           int    `json:"in"`
	Out          int    `json:"out"`
	Denied       int    `json:"denied"`
	Recheck      int    `json:"recheck"`
	Fever        int    `json:"fever"`
	Visitors     int    `json:"visitors"`
	Overrides    int    `json:"overrides"`
	DeviceFaults int    `json:"device_faults"`
	AlertsOpen   int    `json:"alerts_open"`
	// The named reports' columns (columns.go): persuaded to return (劝返),
	// referred (转诊: fever clinic, sampling point), entries with a red or
	// yellow health code, refusals to show proof, returnees from risk
	// areas, and the fevers handled with what was done, joined with "、".
	PersuadeReturn int    `json:"persuade_return"`
	Referred       int    `json:"referred"`
	CodeRed        int    `json:"code_red"`
	CodeYellow     int    `json:"code_yellow"`
	RefusedProof   int    `json:"refused_proof"`
	Returnees      int    `json:"returnees"`
	FeverHandled   int    `json:"fever_handled"`
	FeverActions   string `json:"fever_actions,omitempty"`
	// NotClosedOut counts the visitors not closed out at the period's
	// end; NotClosedOutNames lists them (code and masked name), joined
	// with "、" so a Row stays a plain comparable value.
	NotClosedOut      int    `json:"not_closed_out"`
	NotClosedOutNames string `json:"not_closed_out_names,omitempty"`
	// ZeroReport is true when nothing abnormal happened in the period: no
	// fever, no denial, no alert of any kind, no device fault (零报告),
	// and the site's data is complete.
	ZeroReport bool `json:"zero_report"`
	// Incomplete says why the site's data may be incomplete (数据不完整),
	// the site's Gaps joined with "；"; empty when it is complete.
	Incomplete string `json:"incomplete,omitempty"`
	// IncompleteSites is, on the total row, how many sites' data may be
	// incomplete.
	IncompleteSites int `json:"incomplete_sites,omitempty"`
	// The duty log (值守日志, duties.go): turns done and due, and the
	// duties missed by name, 大门消毒×2、电梯按键消毒 (a string keeps a Row
	// comparable); the total row has the counts only.
	DutiesDone   int    `json:"duties_done"`
	DutiesDue    int    `json:"duties_due"`
	DutiesMissed string `json:"duties_missed"`
	// StaffDone and StaffDue are the roll call's (staff.go).
	StaffDone int `json:"staff_done,omitempty"`
	StaffDue  int `json:"staff_due,omitempty"`
	// Vehicles admitted and persuaded to return at vehicle lanes (vehicles.go).
	VehiclesIn       int `json:"vehicles_in"`
	VehiclesReturned int `json:"vehicles_returned"`
	// Registrations and appointments on the venue code's page (appointments.go).
	VenueRegistrations int `json:"venue_registrations"`
	VenueBookings      int `json:"venue_bookings"`
	VenueArrivals      int `json:"venue_arrivals"`
	VenueNoShows       int `json:"venue_no_shows"`
}

// Report is the daily report: one row per site, sorted by site ID, and
// the total.
type Report struct {
	// ID, Title and Columns name a named report ([[reports]] in the
	// collector config) and the columns its files show; all empty for
	// the daily report, whose columns are DailyColumns. TitleEN is the
	// title of the English files, when the config gives one.
	ID      string   `json:"report,omitempty"`
	Title   string   `json:"title,omitempty"`
	TitleEN string   `json:"-"`
	Columns []string `json:"columns,omitempty"`
	Period
	Sites []Row `json:"sites"`
	Total Row   `json:"total"`
	// MadeAt is when the report was built; Provisional is set when that
	// was before the period's cut, so its figures will still grow.
	MadeAt      time.Time `json:"made_at"`
	Provisional bool      `json:"provisional"`
	// ReturneeList is every site's returnees, with the returnees column.
	ReturneeList []ReturneeRow `json:"returnee_list,omitempty"`
}

// Stamp records that r was made at now, and whether it is provisional.
func (r *Report) Stamp(now time.Time) {
	r.MadeAt, r.Provisional = now, now.Before(r.Until)
}

// Build makes the report for p from each site's inputs. Every site given
// gets a row, also one with no traffic at all: a quiet checkpoint files a
// zero report rather than vanishing from the list. A site given twice is
// summed into one row.
func Build(p Period, sites []SiteInput) Report {
	rows := make([]Row, 0, len(sites))
	index := make(map[string]int, len(sites))
	for _, s := range sites {
		r := rowOf(s)
		if i, ok := index[s.Site]; ok {
			rows[i].merge(r)
			continue
		}
		index[s.Site] = len(rows)
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b Row) int { return strings.Compare(a.Site, b.Site) })

	total := Row{Site: TotalSite, Name: TotalName, ZeroReport: true}
	incomplete := 0
	for _, r := range rows {
		total.add(r)
		if r.Incomplete != "" {
			incomplete++
		}
	}
	total.Incomplete = "" // the sites' rows say why; the total says how many
	total.IncompleteSites = incomplete
	return Report{Period: p, Sites: rows, Total: total, ReturneeList: returneeList(sites)}
}

// rowOf turns one site's counts into its row.
func rowOf(s SiteInput) Row {
	c := s.Counts // reading a nil map gives zeros: a site with no traffic
	r := Row{
		Site:     s.Site,
		Name:     s.Name,
		Facility: s.Facility,
		Total:    c[metricTotal],
		In:       c[metricIn],
		Out:      c[metricOut],
		Denied:   c[metricDeny],
		Recheck:  c[metricRecheck],
		// "fever" is by contract the same as "alert:fever"; take the larger
		// so a store that fills only one of them cannot hide a fever.
		Fever:             max(c[metricFever], c[alertFever]),
		Visitors:          c[metricVisitor],
		Overrides:         c[metricOverrideAdmit],
		PersuadeReturn:    c[metricPersuade],
		Referred:          c[metricRefer],
		CodeRed:           c[alertCodeRed],
		CodeYellow:        c[alertCodeYellow],
		RefusedProof:      c[reasonRefusedProof],
		Returnees:         c[reasonReturnee] + len(s.Returnees),
		FeverHandled:      len(s.FeverActions),
		FeverActions:      feverActions(s.FeverActions),
		DeviceFaults:      s.DeviceFaults,
		AlertsOpen:        s.AlertsOpen,
		NotClosedOut:      len(s.NotClosedOut),
		NotClosedOutNames: strings.Join(s.NotClosedOut, "、"),
		StaffDone:         s.StaffDone,
		StaffDue:          s.StaffDue,
	}
	r.Incomplete = strings.Join(s.Gaps, "；")
	r.ZeroReport = r.Fever == 0 && r.Denied == 0 && r.DeviceFaults == 0 && !anyAlert(c) && r.Incomplete == ""
	duties(&r, s)
	vehicles(&r, s)
	venue(&r, s)
	return r
}

// anyAlert says whether an entry in the period carried an alert of any
// kind: a quarantine-roster or red-code alert with no fever and no denial
// (a soft check) is still not a zero report.
//
// AlertsOpen is deliberately not part of the zero report: an alert raised
// days ago and not yet acknowledged was reported in its own period, and an
// alert raised in this one shows here as an alert:* count or a device fault.
func anyAlert(counts map[string]int) bool {
	for metric, n := range counts {
		if n > 0 && strings.HasPrefix(metric, alertPrefix) {
			return true
		}
	}
	return false
}

// merge folds a second input for the same site into r, keeping the first
// name and facility type given.
func (r *Row) merge(o Row) {
	if r.Name == "" {
		r.Name = o.Name
	}
	if r.Facility == "" {
		r.Facility = o.Facility
	}
	r.add(o)
}

// add sums o's numbers into r; the sum is a zero report only if both were.
func (r *Row) add(o Row) {
	r.Total += o.Total
	r.In += o.In
	r.Out += o.Out
	r.Denied += o.Denied
	r.Recheck += o.Recheck
	r.Fever += o.Fever
	r.Visitors += o.Visitors
	r.Overrides += o.Overrides
	r.DeviceFaults += o.DeviceFaults
	r.AlertsOpen += o.AlertsOpen
	r.NotClosedOut += o.NotClosedOut
	r.PersuadeReturn += o.PersuadeReturn
	r.Referred += o.Referred
	r.CodeRed += o.CodeRed
	r.CodeYellow += o.CodeYellow
	r.RefusedProof += o.RefusedProof
	r.Returnees += o.Returnees
	r.FeverHandled += o.FeverHandled
	r.VehiclesIn += o.VehiclesIn
	r.VehiclesReturned += o.VehiclesReturned
	r.addVenue(o)
	r.ZeroReport = r.ZeroReport && o.ZeroReport
	r.Incomplete = strings.Trim(r.Incomplete+"；"+o.Incomplete, "；")
	r.DutiesDone += o.DutiesDone
	r.DutiesDue += o.DutiesDue
	r.StaffDone += o.StaffDone
	r.StaffDue += o.StaffDue
}

// feverActions sums what was done about the fevers by action, in the
// order first done: 转发热门诊×2、复测正常. An empty action (acknowledged
// without saying what was done) is 已确认.
func feverActions(actions []string) string {
	var order []string
	n := map[string]int{}
	for _, a := range actions {
		a = strings.TrimSpace(a)
		if a == "" {
			a = "已确认"
		}
		if n[a] == 0 {
			order = append(order, a)
		}
		n[a]++
	}
	for i, a := range order {
		if n[a] > 1 {
			order[i] = fmt.Sprintf("%s×%d", a, n[a])
		}
	}
	return strings.Join(order, "、")
}
