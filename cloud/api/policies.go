package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
)

// Fleet is the policy push the API drives; nil when the collector has no
// policies folder configured.
type Fleet interface {
	Profiles() []fleet.Profile
	// Problems are the policies folder's files that did not load.
	Problems() []string
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
	Facility      string `json:"facility"`
	PolicyVersion string `json:"policy_version"`
	Wanted        string `json:"wanted_version"` // "" when nothing was chosen
	WantedProfile string `json:"wanted_profile"`
	WantedBy      string `json:"wanted_scope"` // the scope of the choice that decides it
	Lagging       bool   `json:"lagging"`      // runs another version than chosen
}

// policies shows the profiles, what was chosen where, and which version
// each unit runs against the one chosen for it; with the sites and
// regions the caller sees, for the policy screen (web/policy.js).
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
	sites, err := s.store.Sites(r.Context())
	if err != nil {
		s.internal(w, "list sites", err)
		return
	}
	wanted := fleet.Wanted(units, sites, as, s.opts.Regions.Path)
	facilityOf := map[string]string{}
	for _, u := range units {
		facilityOf[u.Site] = u.Facility
	}
	for _, st := range sites {
		if st.Facility != "" {
			facilityOf[st.ID] = st.Facility
		}
	}
	outA := []assignmentJSON{}
	for _, a := range as {
		if s.assignmentConcerns(c, a, facilityOf) {
			outA = append(outA, assignmentJSON{a.Scope, a.Target, a.Profile, a.Version, a.AssignedBy, a.AssignedAt})
		}
	}
	outU := make([]unitPolicyJSON, 0, len(units))
	for _, u := range units {
		if c.sees(u.Site, u.ID) {
			want := wanted[store.UnitID{Site: u.Site, Unit: u.ID}]
			outU = append(outU, unitPolicyJSON{ID: u.ID, Site: u.Site, Facility: u.Facility, PolicyVersion: u.PolicyVersion,
				Wanted: want.Version, WantedProfile: want.Profile, WantedBy: want.Scope,
				Lagging: want.Version != "" && want.Version != u.PolicyVersion})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"profiles": s.opts.Fleet.Profiles(),
		"problems": nonNil(s.opts.Fleet.Problems()), "assignments": outA, "units": outU,
		"sites": s.policySites(c, sites, units), "regions": s.policyRegions(c),
		"facilities": fleet.Facilities, "can_assign": c.Role == RoleMonitor})
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// assignmentConcerns reports whether c may see a: a choice for a unit or
// a site they see, or for a region that holds a site they see or lies in
// their region. A site manager sees the choices that decide their site,
// not everyone's.
func (s *server) assignmentConcerns(c Caller, a store.Assignment, facilityOf map[string]string) bool {
	target, _, _ := strings.Cut(a.Target, "/")
	switch a.Scope {
	case fleet.ScopeUnit, fleet.ScopeSite:
		return c.seesSite(target)
	case fleet.ScopeFacility:
		if !strings.Contains(a.Target, "/") { // a facility type everywhere
			return c.Role != RoleSiteManager || facilityOf[c.Site] == target
		}
	}
	if c.Role == RoleSiteManager {
		return s.opts.Regions.Within(target, c.Site)
	}
	return c.Region == "" || s.opts.Regions.Under(c.Region, target) || s.opts.Regions.Under(target, c.Region)
}

type policySiteJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Facility string   `json:"facility"`
	Regions  []string `json:"regions"` // top down
}

func (s *server) policySites(c Caller, sites []store.Site, units []store.Unit) []policySiteJSON {
	out := []policySiteJSON{}
	seen := map[string]bool{}
	add := func(id, name, fac string) {
		if !seen[id] && c.seesSite(id) {
			out = append(out, policySiteJSON{id, name, fac, nonNil(s.opts.Regions.Path(id))})
		}
		seen[id] = true
	}
	for _, st := range sites {
		add(st.ID, st.Name, st.Facility)
	}
	for _, u := range units {
		add(u.Site, u.Site, u.Facility)
	}
	return out
}

type regionJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Parent string `json:"parent"`
}

// policyRegions are the regions c may choose for: their own and those in
// it, every one for central monitoring; none for a site manager.
func (s *server) policyRegions(c Caller) []regionJSON {
	out := []regionJSON{}
	if c.Role == RoleSiteManager {
		return out
	}
	for _, n := range s.opts.Regions.Nodes() {
		if c.Region == "" || s.opts.Regions.Under(c.Region, n.ID) {
			out = append(out, regionJSON{n.ID, n.Name, n.Parent})
		}
	}
	return out
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
	c := s.caller(r)
	// Switching a site's phase is a central decision (docs/product.md "Phases seen").
	if err := c.require("assigning a policy", RoleMonitor); err != nil {
		refuse(w, err)
		return
	}
	var req assignRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.By == "" {
		writeError(w, http.StatusBadRequest, `send JSON {"scope": "unit"|"site"|"facility"|"region", "target": "site/unit", "site", "region/facility" or "region", "profile": "...", "by": "your name"}`)
		return
	}
	if err := s.assignInScope(c, req.Scope, req.Target); err != nil {
		refuse(w, err)
		return
	}
	a, err := s.opts.Fleet.Assign(r.Context(), req.Scope, req.Target, req.Profile, req.By)
	switch {
	case errors.Is(err, fleet.ErrUnknownProfile):
		writeError(w, http.StatusBadRequest, err.Error()+"; GET /api/v1/policies lists them")
		return
	case errors.Is(err, fleet.ErrTarget), errors.Is(err, fleet.ErrFacility):
		writeError(w, http.StatusBadRequest, err.Error())
		return
	case a.Version == "":
		s.internal(w, "record the policy choice", err)
		return
	case err != nil:
		// Recorded; the reconciler pushes again within the minute.
		s.log.Warn("policy recorded but not yet pushed to every unit", "err", err)
	}
	s.audit(r.Context(), c, "assign_policy", req)
	writeJSON(w, http.StatusOK, map[string]any{"assignment": assignmentJSON{a.Scope, a.Target,
		a.Profile, a.Version, a.AssignedBy, a.AssignedAt}, "pushed": err == nil})
}

// assignInScope refuses a monitor limited to a region a choice outside
// it: the district chooses for the district.
func (s *server) assignInScope(c Caller, scope, target string) error {
	if c.Region == "" {
		return nil
	}
	head, _, _ := strings.Cut(target, "/")
	switch scope {
	case fleet.ScopeUnit, fleet.ScopeSite:
		if c.seesSite(head) {
			return nil
		}
	case fleet.ScopeRegion, fleet.ScopeFacility:
		if strings.Contains(target, "/") || scope == fleet.ScopeRegion {
			if s.opts.Regions.Under(c.Region, head) {
				return nil
			}
		}
	}
	return errForbidden("you may choose policies within region " + c.Region + " only, not for " + scope + " " + target)
}
