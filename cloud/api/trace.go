package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Caller is who makes a request, as far as the API knows: a bearer token
// from the collector's config names the user and role. Without a token the
// caller is an anonymous monitor, who sees everything masked. (Logins with
// passwords and sessions come with issue 8.)
type Caller struct {
	User string
	Role string // RoleMonitor or RoleTracer
}

// Roles that decide what personal data a caller sees.
const (
	RoleMonitor = "monitor" // central monitoring: all sites, personal data masked
	RoleTracer  = "tracer"  // contact tracing: may see credentials unmasked, always audited
)

func (s *server) caller(r *http.Request) Caller {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if c, ok := s.opts.Tokens[tok]; ok {
			return c
		}
	}
	return Caller{User: "anonymous", Role: RoleMonitor}
}

type visitJSON struct {
	EntryID     string     `json:"entry_id"`
	Unit        string     `json:"unit"`
	Subject     string     `json:"subject"`
	Kind        string     `json:"kind"`
	Name        string     `json:"name"`
	Phone       string     `json:"phone"`
	EnteredAt   time.Time  `json:"entered_at"`
	LeftAt      *time.Time `json:"left_at"`
	StaySeconds *int64     `json:"stay_seconds"`
}

// trace answers "who was at this site in this window, and for how long"
// (PRODUCT.md, contact tracing). Every query is written to the audit trail
// with who asked, before the answer leaves: a query that cannot be audited
// is refused.
func (s *server) trace(w http.ResponseWriter, r *http.Request) {
	var q store.TraceQuery
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"site":  func(v string) error { return idParam(&q.Site, v) },
		"since": func(v string) error { return timeParam(&q.Since, v) },
		"until": func(v string) error { return timeParam(&q.Until, v) },
	})
	if err == nil && (q.Site == "" || q.Since.IsZero() || q.Until.IsZero()) {
		err = errSiteWindow
	}
	if err == nil {
		err = checkWindow(q.Since, q.Until, 31*24*time.Hour)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c := s.caller(r)
	unmask := c.Role == RoleTracer
	if err := s.audit(r.Context(), c, "trace", map[string]any{"site": q.Site,
		"since": q.Since, "until": q.Until, "unmasked": unmask}); err != nil {
		s.internal(w, "audit the trace query", err)
		return
	}
	visits, err := s.store.Trace(r.Context(), q)
	if err != nil {
		s.internal(w, "trace", err)
		return
	}
	out := make([]visitJSON, len(visits))
	for i, v := range visits {
		out[i] = toVisitJSON(v, unmask)
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": q.Site, "masked": !unmask, "visits": out})
}

var errSiteWindow = httpError("site, since and until are all required, e.g. ?site=mart&since=2022-04-01T00:00:00%2B08:00&until=2022-04-02T00:00:00%2B08:00")

type httpError string

func (e httpError) Error() string { return string(e) }

func toVisitJSON(v store.Visit, unmask bool) visitJSON {
	j := visitJSON{EntryID: v.EntryID, Unit: v.Unit, Subject: v.Subject, Kind: v.Kind,
		Name: v.Name, Phone: v.Phone, EnteredAt: v.EnteredAt, LeftAt: timeOrNull(v.LeftAt)}
	if !unmask {
		j.Subject = wire.MaskID(v.Subject)
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
