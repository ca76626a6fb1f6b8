package api

import (
	"context"
	"encoding/json"
	"github.com/kakou/kakou/cloud/region"
	"net/http"
	"slices"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Caller is who makes a request, as far as the API knows: a person logged
// in (auth_login.go), a bearer token from the collector's config, or in
// open mode an anonymous monitor, who sees everything masked (auth.go).
type Caller struct {
	User string
	Role string // RoleGuard, RoleSiteManager, RoleMonitor or RoleTracer
	// Site and Unit are a guard's or a site manager's scope (auth_scope.go).
	Site, Unit string
	// Region limits a monitor or tracer to the sites in one region of
	// Options.Regions, at any depth; "" is every site (auth_region.go).
	Region  string
	regions *region.Tree // set by server.caller for sees and narrow
	via     string       // "session", "token" or "open"
	session string       // the session's id (hash), for logout
	csrf    string       // the session's CSRF token
}

// Roles that decide what personal data a caller sees.
const (
	RoleMonitor = "monitor" // central monitoring: all sites, personal data masked
	RoleTracer  = "tracer"  // contact tracing: may see credentials unmasked, always audited
)

type visitJSON struct {
	EntryID     string     `json:"entry_id"`
	Site        string     `json:"site"`
	Unit        string     `json:"unit"`
	Subject     string     `json:"subject"`
	Kind        string     `json:"kind"`
	Name        string     `json:"name"`
	Phone       string     `json:"phone"`
	EnteredAt   time.Time  `json:"entered_at"`
	LeftAt      *time.Time `json:"left_at"`
	StaySeconds *int64     `json:"stay_seconds"`
}

// trace answers "who was at these sites in this window, and for how long"
// (docs/product.md "Contact tracing"): everyone inside at some moment of
// the window (store.TraceLookback), optionally only those who stayed at
// least min_stay. Every query is written to the audit trail with who
// asked, before the answer leaves: a query that cannot be audited is
// refused. ?format=csv is the same answer as a file (trace_csv.go).
func (s *server) trace(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query(); v.Has("id_number") || v.Has("phone") {
		s.traceByNumber(w, r) // one person at every site (people.go)
		return
	}
	c := s.caller(r)
	a, err := readTraceAsk(r.URL.Query())
	if err == nil { // tracing is central work; a site manager traces their own site, masked
		err = c.require("tracing", RoleTracer, RoleMonitor, RoleSiteManager)
	}
	for i := range a.sites {
		if err == nil {
			var unit string
			err = c.narrow(&a.sites[i], &unit)
		}
	}
	if err != nil {
		refuse(w, err)
		return
	}
	unmask := c.Role == RoleTracer
	if err := s.audit(r.Context(), c, "trace", a.auditDetail(unmask)); err != nil {
		s.internal(w, "audit the trace query", err)
		return
	}
	out := []visitJSON{}
	for _, site := range a.sites {
		q := store.TraceQuery{Site: site, Since: a.since, Until: a.until, MinStay: a.minStay, StayEnd: s.opts.Now()}
		visits, err := s.store.Trace(r.Context(), q)
		if err != nil {
			s.internal(w, "trace", err)
			return
		}
		for _, v := range visits {
			out = append(out, toVisitJSON(v, unmask))
		}
	}
	slices.SortStableFunc(out, func(x, y visitJSON) int { return x.EnteredAt.Compare(y.EnteredAt) })
	if a.format == "csv" {
		s.writeTraceCSV(w, r.Context(), a, out)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": a.sites[0], "sites": a.sites, "masked": !unmask,
		"min_stay_seconds": int64(a.minStay / time.Second), "visits": out})
}

var errSiteWindow = httpError("site, since and until are all required, e.g. ?site=mart&since=2022-04-01T00:00:00%2B08:00&until=2022-04-02T00:00:00%2B08:00")

type httpError string

func (e httpError) Error() string { return string(e) }

func toVisitJSON(v store.Visit, unmask bool) visitJSON {
	j := visitJSON{EntryID: v.EntryID, Site: v.Site, Unit: v.Unit, Subject: v.Subject, Kind: v.Kind,
		Name: v.Name, Phone: v.Phone, EnteredAt: v.EnteredAt, LeftAt: timeOrNull(v.LeftAt)}
	if !unmask {
		j.Subject, j.Name = wire.MaskID(v.Subject), maskName(v.Name)
	}
	if !v.LeftAt.IsZero() {
		stay := int64(v.LeftAt.Sub(v.EnteredAt).Seconds())
		j.StaySeconds = &stay
	}
	return j
}

func (s *server) audit(ctx context.Context, c Caller, action string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	return s.store.PutAudit(ctx, store.AuditRecord{At: s.opts.Now(), User: c.User, Role: c.Role,
		Action: action, Detail: string(b)})
}
