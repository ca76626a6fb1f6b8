package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kakou/kakou/cloud/store"
)

// alertJSON is an alert as the API shows it.
type alertJSON struct {
	ID         string     `json:"id"`
	Site       string     `json:"site"`
	Unit       string     `json:"unit"`
	Kind       string     `json:"kind"`
	RaisedAt   time.Time  `json:"raised_at"`
	EntryID    string     `json:"entry_id"`
	Detail     string     `json:"detail"`
	Historical bool       `json:"historical"`
	Acked      bool       `json:"acked"`
	AckedBy    string     `json:"acked_by"`
	AckedAt    *time.Time `json:"acked_at"`
	Action     string     `json:"action"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Severity   string     `json:"severity"`         // high, medium or low (store.SeverityOf)
	Level      int        `json:"escalation_level"` // 0, or how often its notifications escalated
}

func toAlertJSON(a store.Alert) alertJSON {
	return alertJSON{ID: a.ID, Site: a.Site, Unit: a.Unit, Kind: a.Kind, RaisedAt: a.RaisedAt,
		EntryID: a.EntryID, Detail: a.Detail, Historical: a.Historical, Acked: !a.AckedAt.IsZero(),
		AckedBy: a.AckedBy, AckedAt: timeOrNull(a.AckedAt), Action: a.Action,
		ResolvedAt: timeOrNull(a.ResolvedAt), Severity: a.Severity, Level: a.Level}
}

func (s *server) alerts(w http.ResponseWriter, r *http.Request) {
	var q store.AlertQuery
	var asked string
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"site":   func(v string) error { return idParam(&q.Site, v) },
		"region": func(v string) error { return idParam(&asked, v) },
		"open":   func(v string) error { b, err := strconv.ParseBool(v); q.Open = b; return err },
		"limit": func(v string) error {
			var sq store.Query
			err := limitParam(&sq, v)
			q.Limit = sq.Limit
			return err
		},
	})
	c := s.caller(r)
	var unit string
	if err == nil {
		err = c.narrow(&q.Site, &unit)
	}
	var within string
	if err == nil {
		within, err = s.regionFilter(c, asked)
	}
	if err == nil && q.Site != "" && within != "" && !s.opts.Regions.Within(within, q.Site) {
		err = errors.New("site " + q.Site + " is not in region " + within)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	list, err := s.scopedAlerts(r.Context(), c, q, within)
	if err != nil {
		s.internal(w, "list alerts", err)
		return
	}
	out := make([]alertJSON, 0, len(list))
	for _, a := range list {
		if c.sees(a.Site, a.Unit) { // a guard: their unit's alerts of the site's
			out = append(out, toAlertJSON(a))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
}

// ackRequest is what an operator sends to acknowledge an alert: who, and
// what was done (e.g. 已送发热门诊, "taken to the fever clinic").
type ackRequest struct {
	By     string `json:"by"`
	Action string `json:"action"`
}

// validate checks the request; by may be left out when the caller is
// known (see acknowledger).
func (a ackRequest) validate(c Caller) error {
	for _, f := range []struct{ name, v string }{{"by", a.By}, {"action", a.Action}} {
		if f.name == "by" && f.v == "" && c.via != "open" {
			continue
		}
		if f.v == "" || len(f.v) > 500 || !utf8.ValidString(f.v) {
			return errors.New(f.name + ": say who acknowledges and what was done, up to 500 bytes of text")
		}
	}
	return nil
}

// acknowledger is who an acknowledgement is recorded for. A signed-in
// user or a token's holder is who the login proves, whatever by says: an
// alert's record must say who acted (docs/architecture.md "Every record
// says who, exactly"), and a guard could otherwise sign as their chief. Only
// open mode, with no logins, takes the name the form sends.
func acknowledger(c Caller, req ackRequest) string {
	if c.via == "open" {
		return req.By
	}
	return c.User
}

func (s *server) ackAlert(w http.ResponseWriter, r *http.Request) {
	var req ackRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `send JSON {"by": "...", "action": "..."}: `+err.Error())
		return
	}
	c := s.caller(r)
	if err := req.validate(c); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if ok, err := s.alertInScope(r, c, r.PathValue("id")); err != nil || !ok {
		if err != nil {
			s.internal(w, "find the alert", err)
		} else { // the same answer as for no such alert: ids elsewhere stay unknown
			writeError(w, http.StatusNotFound, "no alert "+strconv.Quote(r.PathValue("id"))+" at your site or unit")
		}
		return
	}
	a, err := s.store.AckAlert(r.Context(), r.PathValue("id"), acknowledger(c, req), req.Action, s.opts.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no alert "+strconv.Quote(r.PathValue("id")))
	case errors.Is(err, store.ErrAlreadyAcked):
		writeJSON(w, http.StatusConflict, map[string]any{
			"error": "already acknowledged by " + a.AckedBy, "alert": toAlertJSON(a)})
	case err != nil:
		s.internal(w, "acknowledge alert", err)
	default:
		s.log.Info("alert acknowledged", "id", a.ID, "by", a.AckedBy, "action", a.Action, "user", c.User)
		detail := map[string]string{"id": a.ID, "by": a.AckedBy}
		if req.By != "" && req.By != a.AckedBy {
			detail["by_sent"] = req.By // ignored, but kept: who did they claim to be?
		}
		if err := s.audit(r.Context(), c, "ack_alert", detail); err != nil {
			s.log.Error("audit an acknowledgement", "err", err)
		}
		writeJSON(w, http.StatusOK, map[string]any{"alert": toAlertJSON(a)})
	}
}

// alertInScope reports whether the alert id is one c may act on: one at
// a site (and, for a guard, a unit) in c's scope. An alert outside it is
// answered as no alert at all, so ids elsewhere stay unknown. It is
// looked up by id, however old: a district's monitor acknowledges a
// fever from last week as readily as today's.
func (s *server) alertInScope(r *http.Request, c Caller, id string) (bool, error) {
	a, err := s.store.Alert(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.sees(a.Site, a.Unit), nil
}

// scopedAlerts reads q, per site of within when the caller named no site
// but is limited to a region or asked for one.
func (s *server) scopedAlerts(ctx context.Context, c Caller, q store.AlertQuery, within string) ([]store.Alert, error) {
	if q.Site != "" || within == "" {
		return s.store.Alerts(ctx, q)
	}
	sites, err := s.scopeSites(ctx, c, within)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	return perSite(sites, func(site string) ([]store.Alert, error) {
		q.Site = site
		return s.store.Alerts(ctx, q)
	}, newestAlertFirst, min(limit, store.MaxLimit))
}
