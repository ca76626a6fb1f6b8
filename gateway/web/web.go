// Package web is the site gateway's small HTTP JSON API for the site's
// staff: the count of people inside, and corrections of it at opening and
// closing time, each with a reason and a name so the count can be audited.
// It runs on the gateway's LAN and keeps working without the
// internet.
//
//	GET  /api/v1/occupancy              the count, capacity, entrances holding someone
//	POST /api/v1/occupancy/correct      {"count": 0, "reason": "...", "by": "..."}
//	GET  /api/v1/occupancy/corrections  the audit trail, newest first (?limit=, default 100)
package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/kakou/kakou/gateway/lan"
	"github.com/kakou/kakou/gateway/store"
)

// Site is what the API needs of the gateway; *lan.Server provides it.
type Site interface {
	Occupancy() lan.Occupancy
	Correct(ctx context.Context, count int, reason, by string) (store.Correction, error)
	Corrections(ctx context.Context, limit int) ([]store.Correction, error)
}

// maxBody bounds a correction request; a real one is under 1 KiB.
const maxBody = 4 << 10

// Handler serves the API.
func Handler(site Site, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &api{site: site, log: log.With("component", "web")}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/occupancy", a.occupancy)
	mux.HandleFunc("POST /api/v1/occupancy/correct", a.correct)
	mux.HandleFunc("GET /api/v1/occupancy/corrections", a.corrections)
	return mux
}

type api struct {
	site Site
	log  *slog.Logger
}

func (a *api) occupancy(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, a.site.Occupancy())
}

// correction is the request body. Pointers tell a count of 0 from one
// left out.
type correction struct {
	Count  *int   `json:"count"`
	Reason string `json:"reason"`
	By     string `json:"by"`
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
	if strings.TrimSpace(c.By) == "" {
		m = append(m, "by")
	}
	return m
}

func (a *api) correct(w http.ResponseWriter, r *http.Request) {
	var c correction
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		fail(w, http.StatusBadRequest, fmt.Sprintf("body must be JSON {\"count\", \"reason\", \"by\"}: %v", err))
		return
	}
	if m := c.missing(); len(m) > 0 {
		fail(w, http.StatusBadRequest, "missing: "+strings.Join(m, ", ")+
			" (a correction needs the count, the reason and who made it)")
		return
	}
	if *c.Count < 0 || *c.Count > 1_000_000 {
		fail(w, http.StatusBadRequest, fmt.Sprintf("count %d: want 0 to 1000000 people", *c.Count))
		return
	}
	done, err := a.site.Correct(r.Context(), *c.Count, c.Reason, c.By)
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
