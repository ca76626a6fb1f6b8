// Package api serves what the cloud collector knows over HTTP: a JSON API
// for other systems and the dashboard central monitoring watches (docs/product.md
// "Who uses it": central monitoring sees every checkpoint at once).
package api

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/kakou/kakou/cloud/roster"
	"github.com/kakou/kakou/cloud/trust"
	"log/slog"
	"net/http"
	"sync"
	"time"

	json "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/region"
	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Store is what the API reads.
type Store interface {
	Ping(ctx context.Context) error
	Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error)
	Entries(ctx context.Context, q store.Query) ([]store.Record, error)
	Alerts(ctx context.Context, q store.AlertQuery) ([]store.Alert, error)
	ReportAlerts(ctx context.Context, since, until time.Time) ([]store.Alert, error) // reports.go
	Alert(ctx context.Context, id string) (store.Alert, error)                       // monitor.go
	AckAlert(ctx context.Context, id, by, action string, at time.Time) (store.Alert, error)
	Rollups(ctx context.Context, q store.RollupQuery) ([]store.RollupRow, error)
	Sites(ctx context.Context) ([]store.Site, error)
	Trace(ctx context.Context, q store.TraceQuery) ([]store.Visit, error)
	PutAudit(ctx context.Context, r store.AuditRecord) error
	Assignments(ctx context.Context) ([]store.Assignment, error)
	DeadLetters(ctx context.Context, limit int) ([]store.DeadLetter, error)                 // deadletters.go
	SetWatermark(ctx context.Context, id store.UnitID, seq uint64) (store.Watermark, error) // watermark.go
	AckedSeq(ctx context.Context, id store.UnitID) (uint64, error)
	store.VisitReader                                                                // visits.go
	store.HoldReader                                                                 // holds.go
	store.HouseholdReader                                                            // households.go
	Occupancies(ctx context.Context) ([]store.SiteOccupancy, error)                  // occupancy.go
	store.AllVisitReader                                                             // reports.go
	store.VehicleReader                                                              // vehicles.go
	Deliveries(ctx context.Context, q store.DeliveryQuery) ([]store.Delivery, error) // reports_named.go
}

// Options configures the handlers.
type Options struct {
	// Location decides where "today" starts for entries_today; the
	// checkpoints' local midnight, Asia/Shanghai unless set.
	Location *time.Location
	Logger   *slog.Logger
	// Now is time.Now unless a test pins it.
	Now func() time.Time
	// Tokens maps bearer tokens to who holds them (see Caller).
	Tokens map[string]Caller
	// Fleet pushes policies; nil turns the policy endpoints off.
	Fleet Fleet
	// Guards keeps the sites' guards and pushes their rosters (guards.go);
	// nil turns the guard endpoints off.
	Guards *GuardDesk
	// Staff keeps the sites' staff rosters and serves the roll call
	// (staff.go); nil turns those endpoints off.
	Staff *StaffDesk
	// Roster keeps the centre's watch roster and publishes it (roster.go);
	// nil: the roster endpoints answer 404.
	Roster *roster.Service
	// Trust keeps the centre's trust list and publishes it (trust.go);
	// nil: the trust endpoints answer 404.
	Trust *trust.Service
	// Updates starts, promotes and stops program rollouts (updates_rollout.go);
	// nil: those endpoints answer 404 with what to configure.
	Updates *fleet.Centre
	// ReportCut is the local hour and minute the daily report closes.
	ReportCut [2]int
	// Reports are the named reports ([[reports]], reports_named.go); the
	// daily report at ReportCut is added unless one is named "daily".
	Reports []report.Def
	// Metrics serves /metrics (Prometheus); nil leaves it out.
	Metrics http.Handler
	// Auth turns on logins, roles and sessions (auth.go); nil is open
	// mode, everyone an anonymous monitor: the loopback demo only.
	Auth *AuthOptions
	// Privacy holds the keys to find and export one person by number
	// (people.go); without them those endpoints say what to configure.
	Privacy Privacy
	// Regions is the tree the sites lie in (cloud/region): a caller
	// limited to a region sees its sites only, and rollups, alerts and
	// reports filter by ?region=. Nil: no regions.
	Regions *region.Tree
	// QueryTimeout bounds each request's time in the store
	// (DefaultQueryTimeout unless set): both drivers stop a statement
	// when its context ends, so no query string can hold a connection
	// and a core that ingest and the dashboard need.
	QueryTimeout time.Duration
	// Results records test results and sends them to the units holding
	// the person (holds.go); nil turns POST /api/v1/results off.
	Results ResultDesk
	// ReturneePlan is the schedule a returnee from origin who arrived at
	// arrived is on ([[returnees]]): the plan's name and when each test
	// is due; nil, or "" for no rule, leaves them out of the report.
	ReturneePlan func(origin string, arrived time.Time) (plan string, tests []time.Time)
	// Venue turns on the venue code's page and bookings (venue.go); nil:
	// those routes answer 404.
	Venue *VenueOptions
}

// DefaultQueryTimeout is far above what any endpoint takes at ten million
// entries (cloud/README.md "How fast") and far below a stuck minute.
const DefaultQueryTimeout = 10 * time.Second

type server struct {
	store Store
	opts  Options
	log   *slog.Logger
	auth  *auth
	venue *venueState // venue.go; nil without Options.Venue
}

// New returns the collector's HTTP handler: the API under /api/v1/, a
// health check at /healthz and the dashboard at /.
func New(st Store, opts Options) (http.Handler, error) {
	if opts.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return nil, err
		}
		opts.Location = loc
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = DefaultQueryTimeout
	}
	s := &server{store: st, opts: opts, log: opts.Logger.With("component", "api")}
	var err error
	if s.auth, err = newAuth(opts); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /api/v1/session", s.whoamiHandler)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /api/v1/units", s.units)
	mux.HandleFunc("GET /api/v1/entries", s.entries)
	mux.HandleFunc("GET /api/v1/alerts", s.alerts)
	mux.HandleFunc("POST /api/v1/alerts/{id}/ack", s.ackAlert)
	mux.HandleFunc("GET /api/v1/alerts/{id}/notifications", s.alertNotifications)
	mux.HandleFunc("GET /api/v1/rollups", s.rollups)
	mux.HandleFunc("GET /api/v1/occupancy", s.occupancy)
	mux.HandleFunc("GET /api/v1/occupancy/corrections", s.occupancyCorrections) // occupancy.go
	mux.HandleFunc("GET /api/v1/trace", s.trace)
	mux.HandleFunc("GET /api/v1/visits", s.visits)
	mux.HandleFunc("GET /api/v1/vehicles", s.vehicles)     // vehicles.go
	mux.HandleFunc("GET /api/v1/holds", s.holds)           // holds.go
	mux.HandleFunc("POST /api/v1/results", s.recordResult) // holds.go
	mux.HandleFunc("GET /api/v1/households", s.households)
	mux.HandleFunc("GET /api/v1/people/export", s.exportPerson)
	mux.HandleFunc("GET /api/v1/reports/daily", s.daily)
	mux.HandleFunc("GET /api/v1/reports", s.listReports)                      // reports_named.go
	mux.HandleFunc("GET /api/v1/reports/{id}", s.namedReport)                 // reports_named.go
	mux.HandleFunc("GET /api/v1/reports/{id}/deliveries", s.reportDeliveries) // reports_named.go
	mux.HandleFunc("GET /api/v1/duties", s.duties)
	mux.HandleFunc("GET /api/v1/policies", s.policies)
	mux.HandleFunc("POST /api/v1/policies/assign", s.assign)
	mux.HandleFunc("GET /api/v1/regions", s.regionList) // auth_region.go
	mux.HandleFunc("GET /api/v1/sites/{site}/guards", s.listGuards)
	mux.HandleFunc("POST /api/v1/sites/{site}/guards", s.putGuard)
	mux.HandleFunc("POST /api/v1/sites/{site}/guards/{id}/disable", s.setDisabled(true))
	mux.HandleFunc("POST /api/v1/sites/{site}/guards/{id}/enable", s.setDisabled(false))
	mux.HandleFunc("POST /api/v1/sites/{site}/guards/{id}/reset-pin", s.resetPIN)
	mux.HandleFunc("GET /api/v1/sites/{site}/staff", s.getStaff)
	mux.HandleFunc("POST /api/v1/sites/{site}/staff", s.importStaff)
	mux.HandleFunc("POST /api/v1/sites/{site}/bookings", s.bookForVisitor)     // venue_staff.go
	mux.HandleFunc("GET /api/v1/sites/{site}/appointments", s.appointmentsDay) // venue_day.go
	mux.HandleFunc("GET /api/v1/sites/{site}/venue-poster.png", s.venuePoster) // venue_poster.go
	mux.HandleFunc("GET /api/v1/rollcall", s.rollCall)
	mux.HandleFunc("POST /api/v1/units/{site}/{unit}/watermark", s.setWatermark)
	mux.HandleFunc("GET /api/v1/dead-letters", s.deadLetters)
	mux.HandleFunc("GET /api/v1/roster", s.listRoster)                 // roster.go
	mux.HandleFunc("POST /api/v1/roster", s.putRoster)                 // roster.go
	mux.HandleFunc("POST /api/v1/roster/{id}/end", s.endRoster)        // roster.go
	mux.HandleFunc("GET /api/v1/trust", s.getTrust)                    // trust.go
	mux.HandleFunc("POST /api/v1/trust/revoke", s.revokePass)          // trust.go
	mux.HandleFunc("POST /api/v1/trust/issuers", s.putTrustIssuer)     // trust.go
	mux.HandleFunc("POST /api/v1/trust/dcc", s.importDCC)              // trust.go
	mux.HandleFunc("POST /api/v1/enroll", enroll(st, s.log, opts.Now)) // no login: the token is the proof (enroll.go)
	if opts.Metrics != nil {
		mux.Handle("GET /metrics", opts.Metrics)
	}
	mux.HandleFunc("GET /api/v1/updates/{program}/{version}", s.rollout)                 // updates.go
	mux.HandleFunc("GET /api/v1/updates", s.listRollouts)                                // updates_view.go
	mux.HandleFunc("POST /api/v1/updates", s.startRollout)                               // updates_rollout.go
	mux.HandleFunc("POST /api/v1/updates/{program}/{version}/promote", s.promoteRollout) // updates_rollout.go
	mux.HandleFunc("POST /api/v1/updates/{program}/{version}/stop", s.stopRollout)       // updates_rollout.go
	s.venueRoutes(mux)                                                                   // the venue code's public page and registration (venue.go)
	mux.HandleFunc("GET /{$}", dashboard)
	// Every route passes the login check (auth_guard.go), within the
	// query timeout.
	return withDeadline(opts.QueryTimeout, s.guard(mux)), nil
}

// withDeadline ends each request's context after d.
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.Error("health check: store unreachable", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{
			"status": "unavailable", "error": "the database cannot be read: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// unitJSON is the API's shape of a unit; LastSeen is null if the unit was
// never heard from live, OldestUnacked null when its backlog is empty.
type unitJSON struct {
	ID            string     `json:"id"`
	Site          string     `json:"site"`
	Facility      string     `json:"facility"`
	Lane          string     `json:"lane"`
	Kind          string     `json:"kind"` // "unit", or "gateway" for a site gateway
	Online        bool       `json:"online"`
	LastSeen      *time.Time `json:"last_seen"`
	Firmware      string     `json:"firmware"`
	PolicyVersion string     `json:"policy_version"`
	EntriesToday  int        `json:"entries_today"`
	Devices       []device   `json:"devices"`
	// AckedSeq is how far the collector has stored the unit's entries
	// without a gap; the rest are what the unit reports in its status.
	AckedSeq uint64 `json:"acked_seq"`
	// ReportedAcked is what the unit's status says it was acknowledged up
	// to; it never moves AckedSeq (POST …/watermark does, audited).
	ReportedAcked uint64     `json:"reported_acked"`
	Backlog       int        `json:"backlog"`
	OldestUnacked *time.Time `json:"oldest_unacked"`
	DiskAlarm     bool       `json:"disk_alarm"`
	// SiteName and Name are what people call the site and the unit: the
	// config's [[sites]] name, else the unit's status's (names.go).
	SiteName string `json:"site_name"`
	Name     string `json:"name"`
}

type device struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

func (s *server) units(w http.ResponseWriter, r *http.Request) {
	var asked string
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"region": func(v string) error { return idParam(&asked, v) }, // the fleet view's filter
	})
	within := ""
	if err == nil && asked != "" {
		within, err = s.regionFilter(s.caller(r), asked)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	dayStart := startOfDay(s.opts.Now(), s.opts.Location)
	units, err := s.store.Units(r.Context(), dayStart)
	if err != nil {
		s.internal(w, "list units", err)
		return
	}
	c := s.caller(r)
	out := make([]unitJSON, 0, len(units))
	conv := unitConverter{devices: map[*wire.Device][]device{}, times: make([]time.Time, 0, 2*len(units)),
		siteNames: s.siteNames(r.Context())}
	for _, u := range units {
		if c.sees(u.Site, u.ID) && (within == "" || s.opts.Regions.Within(within, u.Site)) { // role scoping (auth_scope.go)
			out = append(out, conv.toJSON(u))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"day_start": dayStart, "units": out})
}

// unitConverter makes the fleet's unitJSONs with a few allocations rather
// than three per unit, which at 10,000 units kept the GC busy: units that
// share a device list (the store shares it, see store.Unit) share its
// conversion, and the times pointed to live in one slice.
type unitConverter struct {
	devices map[*wire.Device][]device
	times   []time.Time // never grown past its capacity: it is pointed into
	// siteNames are the config's names of the sites, by id (names.go).
	siteNames map[string]string
}

func (c *unitConverter) toJSON(u store.Unit) unitJSON {
	j := unitJSON{ID: u.ID, Site: u.Site, Facility: u.Facility, Lane: string(u.Lane), Kind: "unit",
		Online: u.Online, Firmware: u.Firmware, PolicyVersion: u.PolicyVersion,
		EntriesToday: u.EntriesToday, Devices: c.deviceList(u.Devices),
		AckedSeq: u.AckedSeq, ReportedAcked: u.ReportedAcked, Backlog: u.Backlog, DiskAlarm: u.DiskAlarm,
		LastSeen: c.timeOrNull(u.LastSeen), OldestUnacked: c.timeOrNull(u.OldestUnacked),
		SiteName: cmp.Or(c.siteNames[u.Site], u.SiteName), Name: u.Name}
	if u.Role == wire.RoleGateway {
		j.Kind = wire.RoleGateway
	}
	return j
}

func (c *unitConverter) deviceList(ds []wire.Device) []device {
	if len(ds) == 0 {
		return []device{}
	}
	if d, ok := c.devices[&ds[0]]; ok && len(d) == len(ds) {
		return d
	}
	d := make([]device, len(ds))
	for k, wd := range ds {
		d[k] = device(wd)
	}
	c.devices[&ds[0]] = d
	return d
}

func (c *unitConverter) timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	if len(c.times) == cap(c.times) {
		own := t // only here: &t would make every call allocate
		return &own
	}
	c.times = append(c.times, t)
	return &c.times[len(c.times)-1]
}

func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// startOfDay is local midnight of the day t falls on in loc.
func startOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func (s *server) internal(w http.ResponseWriter, what string, err error) {
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn(what+": stopped at the query timeout", "timeout", s.opts.QueryTimeout, "err", err)
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf(
			"%s took longer than %v and was stopped; ask for less (a shorter window, a smaller limit)", what, s.opts.QueryTimeout))
		return
	}
	s.log.Error(what, "err", err)
	writeError(w, http.StatusInternalServerError, what+" failed; the collector's log has the details")
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	// Compact: the fleet view of 10,000 units is megabytes, and indenting
	// it took longer than the query (pipe through jq to read it). Streamed
	// by JSON v2 with encoding/json's rules (TestWriteJSONIsEncodingJSON):
	// encoding/json builds the whole body in memory first, and at 10,000
	// units that buffer, regrown on most requests, was a third of what the
	// fleet view allocated and kept the collector's GC busy.
	//
	// Through a 64 KiB buffer: the response's own is 4 KiB, and a system
	// call and a wake-up of the reader for every 4 KiB of a fleet view
	// were a sixth of its time.
	bw := bodyWriters.Get().(*bufio.Writer)
	bw.Reset(w)
	if json.MarshalWrite(bw, v, jsonv1.DefaultOptionsV1()) == nil {
		bw.WriteByte('\n') // as encoding/json's Encoder ends a value
		bw.Flush()
	} // the status line is sent; a failed write has no one to tell
	bw.Reset(nil)
	bodyWriters.Put(bw)
}

var bodyWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}
