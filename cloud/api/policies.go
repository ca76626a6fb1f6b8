package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
)

// Fleet is the policy push the API drives; nil when the collector has no
// policies folder configured.
type Fleet interface {
	Profiles() []fleet.Profile
	Assign(ctx context.Context, scope, target, profile, by string) (store.Assignment, error)
}

type assignmentJSON struct {
	Scope      string    `json:"scope"`
	Target     string    `json:"target"`
	Profile    string    `json:"profile"`
	Version    string    `json:"version"`
	AssignedBy string    `json:"assigned_by"`
	AssignedAt time.Time `json:"assigned_at"`
}

type unitPolicyJSON struct {
	ID            string `json:"id"`
	Site          string `json:"site"`
	PolicyVersion string `json:"policy_version"`
	Wanted        string `json:"wanted_version"` // "" when nothing was chosen
}

// policies shows the profiles, what was chosen for which site or unit, and
// which version each unit runs against the one chosen for it.
func (s *server) policies(w http.ResponseWriter, r *http.Request) {
	if s.opts.Fleet == nil {
		writeError(w, http.StatusNotFound, "policy push is off: set policies_dir in the collector's config")
		return
	}
	c := s.caller(r)
	err := readParams(r.URL.Query(), nil)
	if err == nil {
		err = c.require("the policy view", RoleMonitor, RoleTracer, RoleSiteManager)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	as, err := s.store.Assignments(r.Context())
	if err != nil {
		s.internal(w, "list assignments", err)
		return
	}
	units, err := s.store.Units(r.Context(), s.opts.Now())
	if err != nil {
		s.internal(w, "list units", err)
		return
	}
	wanted := fleet.Wanted(units, as)
	outA := make([]assignmentJSON, len(as))
	for i, a := range as {
		outA[i] = assignmentJSON{a.Scope, a.Target, a.Profile, a.Version, a.AssignedBy, a.AssignedAt}
	}
	outU := make([]unitPolicyJSON, 0, len(units))
	for _, u := range units {
		if c.sees(u.Site, u.ID) {
			outU = append(outU, unitPolicyJSON{ID: u.ID, Site: u.Site, PolicyVersion: u.PolicyVersion, Wanted: wanted[store.UnitID{Site: u.Site, Unit: u.ID}].Version})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"profiles": s.opts.Fleet.Profiles(),
		"assignments": outA, "units": outU})
}

type assignRequest struct {
	Scope   string `json:"scope"`
	Target  string `json:"target"`
	Profile string `json:"profile"`
	By      string `json:"by"`
}

func (s *server) assign(w http.ResponseWriter, r *http.Request) {
	if s.opts.Fleet == nil {
		writeError(w, http.StatusNotFound, "policy push is off: set policies_dir in the collector's config")
		return
	}
	// Switching a site's phase is a central decision (docs/product.md "Phases seen").
	if err := s.caller(r).require("assigning a policy", RoleMonitor); err != nil {
		refuse(w, err)
		return
	}
	var req assignRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.By == "" {
		writeError(w, http.StatusBadRequest, `send JSON {"scope": "site"|"unit", "target": "site" or "site/unit", "profile": "...", "by": "your name"}`)
		return
	}
	a, err := s.opts.Fleet.Assign(r.Context(), req.Scope, req.Target, req.Profile, req.By)
	switch {
	case errors.Is(err, fleet.ErrUnknownProfile):
		writeError(w, http.StatusBadRequest, err.Error()+"; GET /api/v1/policies lists them")
		return
	case a.Version == "":
		writeError(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		// Recorded; the reconciler pushes again within the minute.
		s.log.Warn("policy recorded but not yet pushed to every unit", "err", err)
	}
	s.audit(r.Context(), s.caller(r), "assign_policy", req)
	writeJSON(w, http.StatusOK, map[string]any{"assignment": assignmentJSON{a.Scope, a.Target,
		a.Profile, a.Version, a.AssignedBy, a.AssignedAt}, "pushed": err == nil})
}
