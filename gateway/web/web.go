// Package web is the site gateway's page and small HTTP JSON API for the
// entrance staff: the count of people inside against the cap, the lanes,
// and corrections of the count at opening and closing time, each made by
// a signed-in site manager with a reason so the count can be audited
// (auth.go). It runs on the gateway's LAN and keeps working without the
// internet.
//
//	GET  /                              the entrance staff's page (page.go)
//	GET  /api/v1/occupancy              the count, capacity, entrances holding someone
//	GET  /api/v1/lanes                  each lane: its role, waiting, slots granted
//	POST /api/v1/occupancy/correct      {"count": 0, "reason": "..."}, signed in, X-CSRF-Token
//	GET  /api/v1/occupancy/corrections  the audit trail, newest first (?limit=, default 100)
//	GET  /api/v1/managers               who may sign in (id, name)
//	GET  /api/v1/session                who is signed in here, and the CSRF token
//	POST /api/v1/sign-in                {"manager": "wang", "pin": "2468"}
//	POST /api/v1/sign-out
package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kakou/kakou/gateway/lan"
	"github.com/kakou/kakou/gateway/occupancy"
	"github.com/kakou/kakou/gateway/store"
)

// Site is what the API needs of the gateway; *lan.Server provides it.
type Site interface {
	Occupancy() lan.Occupancy
	Lanes() []occupancy.LaneView
	Correct(ctx context.Context, count int, reason string, by lan.Manager) (store.Correction, error)
	Corrections(ctx context.Context, limit int) ([]store.Correction, error)
}

// Options configure the Handler.
type Options struct {
	Site     Site
	Managers []Manager // the config's [[managers]]; none: nobody can correct
	Log      *slog.Logger
	Now      func() time.Time // default time.Now; tests move the clock
	// Households is the household desk (households.go); nil: none.
	Households Households
}

// maxBody bounds a correction request; a real one is under 1 KiB.
const maxBody = 4 << 10

// Handler serves the page and the API.
func Handler(o Options) http.Handler {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &api{opts: o, site: o.Site, log: o.Log.With("component", "web"), desk: newDesk(o.Managers, o.Now)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", page)
	mux.Handle("GET /static/", static())
	mux.HandleFunc("GET /api/v1/occupancy", a.occupancy)
	mux.HandleFunc("GET /api/v1/lanes", a.lanes)
	mux.HandleFunc("POST /api/v1/occupancy/correct", a.correct)
	mux.HandleFunc("GET /api/v1/occupancy/corrections", a.corrections)
	mux.HandleFunc("GET /api/v1/managers", a.managers)
	mux.HandleFunc("GET /api/v1/session", a.session)
	mux.HandleFunc(signInRoute, a.signIn)
	mux.HandleFunc("POST /api/v1/sign-out", a.signOut)
	a.householdRoutes(mux)
	return a.protect(mux)
}

type api struct {
	opts Options
	site Site
	log  *slog.Logger
	desk *desk
}

func (a *api) lanes(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, a.site.Lanes())
}

func (a *api) occupancy(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, a.site.Occupancy())
}

// correction is the request body. Pointers tell a count of 0 from one
// left out. Who made it is the session's manager: a "by" in the body is
// refused as an unknown field.
type correction struct {
	Count  *int   `json:"count"`
	Reason string `json:"reason"`
}

// missing names every required field left out or blank.
func (c correction) missing() []string {
	var m []string
	if c.Count == nil {
		m = append(m, "count")
	}
	if strings.TrimSpace(c.Reason) == "" {
		m = append(m, "reason")
	}
	return m
}

func (a *api) correct(w http.ResponseWriter, r *http.Request) {
	var c correction
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		fail(w, http.StatusBadRequest, fmt.Sprintf("body must be JSON {\"count\", \"reason\"} (who made it is the manager signed in): %v", err))
		return
	}
	if m := c.missing(); len(m) > 0 {
		fail(w, http.StatusBadRequest, "missing: "+strings.Join(m, ", ")+
			" (a correction needs the count and the reason)")
		return
	}
	if len(c.Reason) > 256 {
		fail(w, http.StatusBadRequest, fmt.Sprintf("reason is %d bytes: say it in at most 256", len(c.Reason)))
		return
	}
	if *c.Count < 0 || *c.Count > 1_000_000 {
		fail(w, http.StatusBadRequest, fmt.Sprintf("count %d: want 0 to 1000000 people", *c.Count))
		return
	}
	m, _ := a.desk.signedIn(r) // protect let only a live session through
	done, err := a.site.Correct(r.Context(), *c.Count, c.Reason, lan.Manager{ID: m.ID, Name: m.Name})
	if err != nil {
		a.log.Error("correction not stored", "err", err)
		fail(w, http.StatusInternalServerError, "correction not stored: "+err.Error())
		return
	}
	reply(w, http.StatusOK, struct {
		Correction store.Correction `json:"correction"`
		Occupancy  lan.Occupancy    `json:"occupancy"`
	}{done, a.site.Occupancy()})
}

func (a *api) corrections(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			fail(w, http.StatusBadRequest, fmt.Sprintf("limit %q: want 1 to 10000", v))
			return
		}
		limit = n
	}
	list, err := a.site.Corrections(r.Context(), limit)
	if err != nil {
		a.log.Error("corrections not read", "err", err)
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []store.Correction{}
	}
	reply(w, http.StatusOK, list)
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // an error means the client went away: nothing to tell it
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]string{"error": msg})
}
