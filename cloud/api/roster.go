package api

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kakou/kakou/cloud/roster"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre's watch roster (居家隔离 / 健康监测 / 返乡人员) is kept here:
// listed with counts by kind, searched by pass or household, added to one
// entry or an import at a time, and ended. Each entry belongs to the site
// (community) responsible for it, so an official sees and manages the
// entries of the sites in their scope (sees/narrow), a site's manager
// those of their site. Every write is audited with who made it, and the
// roster goes at once to every unit (roster.Service). A listing never
// shows a hash as if it were a person: it says whether an ID or a phone
// is on file, and a pass id masked for all but tracers.

// rosterJSON is an entry as the API shows it.
type rosterJSON struct {
	ID        string         `json:"id"`
	Site      string         `json:"site"`
	Pass      string         `json:"pass,omitempty"`
	HasID     bool           `json:"has_id"`
	HasPhone  bool           `json:"has_phone"`
	Household string         `json:"household,omitempty"`
	Kind      wire.WatchKind `json:"kind"`
	Now       wire.WatchKind `json:"now,omitempty"` // what the entry is today: quarantine turns to monitoring
	Start     time.Time      `json:"start"`
	End       time.Time      `json:"end"`
	Plan      string         `json:"plan"`
	Tests     []string       `json:"tests,omitempty"`
	Outcome   wire.Decision  `json:"outcome,omitempty"`
	Note      string         `json:"note,omitempty"`
	Ended     bool           `json:"ended,omitempty"`
	Version   uint64         `json:"version"`
	UpdatedAt time.Time      `json:"updated_at"`
	UpdatedBy string         `json:"updated_by"`
}

func toRosterJSON(e store.WatchEntry, now time.Time, unmask bool) rosterJSON {
	j := rosterJSON{ID: e.ID, Site: e.Site, Pass: e.Pass, HasID: e.IDHash != "", HasPhone: e.PhoneHash != "",
		Household: e.Household, Kind: e.Kind, Start: e.Start, End: e.WatchEntry.End(), Plan: e.Plan, Tests: e.Tests,
		Outcome: e.Outcome, Note: e.Note, Ended: e.Ended, Version: e.Version, UpdatedAt: e.UpdatedAt, UpdatedBy: e.UpdatedBy}
	if k, over := e.Phase(now); !over && !e.Ended {
		j.Now = k
	}
	if !unmask && j.Pass != "" {
		j.Pass = wire.MaskID(j.Pass)
	}
	return j
}

// rosterOn answers 404 when the roster is off in this collector.
func (s *server) rosterOn(w http.ResponseWriter) bool {
	if s.opts.Roster == nil {
		writeError(w, http.StatusNotFound, "the watch roster is off in this collector")
		return false
	}
	return true
}

// listRoster is GET /api/v1/roster?site=&region=&pass=&household=&ended=1&limit=.
func (s *server) listRoster(w http.ResponseWriter, r *http.Request) {
	if !s.rosterOn(w) {
		return
	}
	c, q := s.caller(r), r.URL.Query()
	site, unit := q.Get("site"), ""
	err := c.require("the watch roster", RoleMonitor, RoleTracer, RoleSiteManager)
	if err == nil {
		err = c.narrow(&site, &unit)
	}
	var region string
	if err == nil {
		region, err = s.regionFilter(c, q.Get("region"))
	}
	limit := 500
	if err == nil && q.Get("limit") != "" {
		if limit, err = strconv.Atoi(q.Get("limit")); err != nil || limit < 1 || limit > 5000 {
			err = errors.New("limit: 1 to 5000")
		}
	}
	if err != nil {
		refuse(w, err)
		return
	}
	wq := store.WatchQuery{Pass: q.Get("pass"), Household: wire.NormaliseHousehold(q.Get("household")), Ended: q.Get("ended") == "1"}
	switch {
	case site != "":
		wq.Sites = []string{site}
	case c.regional(region):
		if wq.Sites, err = s.scopeSites(r.Context(), c, region); err != nil {
			s.internal(w, "roster scope", err)
			return
		}
		if wq.Sites == nil {
			wq.Sites = []string{}
		}
	}
	es, err := s.opts.Roster.List(r.Context(), wq)
	if err != nil {
		s.internal(w, "list roster", err)
		return
	}
	now := s.opts.Now()
	counts := map[wire.WatchKind]int{}
	out := []rosterJSON{}
	for _, e := range es {
		if !c.sees(e.Site, "") {
			continue // a defence: the query was held to the scope already
		}
		j := toRosterJSON(e, now, c.Role == RoleTracer)
		if j.Now != "" {
			counts[j.Now]++
		}
		if len(out) < limit {
			out = append(out, j)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": s.opts.Roster.Version(), "total": len(es),
		"counts": counts, "entries": out})
}

// rosterWriter checks c may change entries of every site in sites.
func rosterWriter(c Caller, sites []string) error {
	if err := c.require("changing the watch roster", RoleMonitor, RoleSiteManager); err != nil {
		return err
	}
	for _, site := range sites {
		if !c.sees(site, "") {
			return errForbidden("you may change the roster of the sites in your scope only, not " + site)
		}
	}
	return nil
}

// putRoster is POST /api/v1/roster: one entry or a list (an import), see
// roster.Input. An entry with the id of one held replaces it.
func (s *server) putRoster(w http.ResponseWriter, r *http.Request) {
	if !s.rosterOn(w) {
		return
	}
	c := s.caller(r)
	if err := rosterWriter(c, nil); err != nil {
		refuse(w, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, roster.MaxInputBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "the import is over 8 MiB: split it")
		return
	}
	es, err := roster.DecodeInputs(body, s.opts.Privacy.TracingKey, c.User, s.opts.Now())
	if err == nil && len(es) > store.MaxWatchBatch {
		err = errors.New("at most 10000 entries an import: split it")
	}
	if err != nil {
		refuse(w, err)
		return
	}
	var sites, ids []string
	for _, e := range es {
		if !slices.Contains(sites, e.Site) {
			sites = append(sites, e.Site)
		}
		if len(ids) < 100 {
			ids = append(ids, e.ID)
		}
	}
	// An entry held already may belong to another site: replacing it needs
	// that site in the caller's scope too.
	for _, e := range es {
		if old, err := s.opts.Roster.Get(r.Context(), e.ID); err == nil && !slices.Contains(sites, old.Site) {
			sites = append(sites, old.Site)
		}
	}
	if err := rosterWriter(c, sites); err != nil {
		refuse(w, err)
		return
	}
	if err := s.audit(r.Context(), c, "roster_put", map[string]any{"count": len(es), "sites": sites, "ids": ids}); err != nil {
		s.internal(w, "audit roster", err)
		return
	}
	stored, err := s.opts.Roster.Put(r.Context(), es)
	if err != nil {
		refuse(w, err)
		return
	}
	out := make([]rosterJSON, 0, min(len(stored), 100))
	for _, e := range stored[:min(len(stored), 100)] {
		out = append(out, toRosterJSON(e, s.opts.Now(), c.Role == RoleTracer))
	}
	writeJSON(w, http.StatusOK, map[string]any{"stored": len(stored), "entries": out})
}

// endRoster is POST /api/v1/roster/{id}/end: the person leaves the roster.
func (s *server) endRoster(w http.ResponseWriter, r *http.Request) {
	if !s.rosterOn(w) {
		return
	}
	c, id := s.caller(r), r.PathValue("id")
	old, err := s.opts.Roster.Get(r.Context(), id)
	if errors.Is(err, roster.ErrNoEntry) || err == nil && !c.sees(old.Site, "") {
		writeError(w, http.StatusNotFound, "no roster entry "+id+" in your scope")
		return
	}
	if err != nil {
		s.internal(w, "read roster entry", err)
		return
	}
	if err := rosterWriter(c, []string{old.Site}); err != nil {
		refuse(w, err)
		return
	}
	if err := s.audit(r.Context(), c, "roster_end", map[string]any{"id": id, "site": old.Site}); err != nil {
		s.internal(w, "audit roster", err)
		return
	}
	e, err := s.opts.Roster.End(r.Context(), id, c.User)
	if err != nil {
		s.internal(w, "end roster entry", err)
		return
	}
	writeJSON(w, http.StatusOK, toRosterJSON(e, s.opts.Now(), c.Role == RoleTracer))
}
