package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
)

// rolloutStateJSON is what the centre started for a version: its stage,
// canaries (those the caller may see) and who started it.
type rolloutStateJSON struct {
	Stage     string              `json:"stage,omitempty"` // canary, fleet, stopped; "" if never started here
	Scope     *store.RolloutScope `json:"scope,omitempty"`
	Canary    []string            `json:"canary,omitempty"`
	StartedBy string              `json:"started_by,omitempty"`
	StartedAt *time.Time          `json:"started_at,omitempty"`
	ChangedBy string              `json:"changed_by,omitempty"`
	ChangedAt *time.Time          `json:"changed_at,omitempty"`
}

func rolloutState(c Caller, r store.Rollout) rolloutStateJSON {
	scope := store.RolloutScope{Region: r.Scope.Region}
	for _, site := range r.Scope.Sites {
		if c.seesSite(site) { // a site outside the caller's scope stays unnamed
			scope.Sites = append(scope.Sites, site)
		}
	}
	out := rolloutStateJSON{Stage: r.Stage, Scope: &scope, Canary: []string{}, StartedBy: r.StartedBy, ChangedBy: r.ChangedBy}
	started := r.StartedAt
	out.StartedAt = &started
	if !r.ChangedAt.IsZero() {
		changed := r.ChangedAt
		out.ChangedAt = &changed
	}
	for _, d := range r.Canary {
		if c.sees(d.Site, d.Unit) {
			out.Canary = append(out.Canary, d.String())
		}
	}
	return out
}

// addRolloutState fills the view with the rollout's stage and canaries,
// each device's version running and arch, and the devices pushed that
// have not reported yet ("waiting") and those that cannot be pushed it
// ("skipped", with why), within the caller's scope.
func (s *server) addRolloutState(ctx context.Context, c Caller, out *rolloutJSON) error {
	if s.opts.Updates == nil {
		return nil
	}
	r, err := s.opts.Updates.Rollout(ctx, out.Program, out.Version)
	if errors.Is(err, fleet.ErrNoRollout) {
		return nil
	}
	if err != nil {
		return err
	}
	out.rolloutStateJSON = rolloutState(c, r)
	devs, err := s.opts.Updates.Devices(ctx, r)
	if err != nil {
		return err
	}
	reported := map[store.UnitID]int{}
	for i, d := range out.Devices {
		reported[store.UnitID{Site: d.Site, Unit: d.Unit}] = i
	}
	for _, d := range devs {
		if !c.sees(d.Unit.Site, d.Unit.Unit) {
			continue
		}
		if i, ok := reported[d.Unit]; ok {
			out.Devices[i].Firmware, out.Devices[i].Arch = d.Firmware, d.Arch
			continue
		}
		canary := slices.Contains(r.Canary, d.Unit)
		phase := "waiting"
		switch {
		case d.Skipped != "":
			phase = "skipped" // never pushed, and why
		case r.Stage == store.RolloutCanary && !canary || r.Stage == store.RolloutStopped:
			continue // not pushed, or no longer
		}
		out.Counts[phase]++
		out.Devices = append(out.Devices, updateOutcomeJSON{Site: d.Unit.Site, Unit: d.Unit.Unit, Phase: phase,
			Reason: d.Skipped, Canary: canary, Firmware: d.Firmware, Arch: d.Arch})
	}
	return nil
}

// rolloutSummaryJSON is one rollout in the list.
type rolloutSummaryJSON struct {
	Program string         `json:"program"`
	Version string         `json:"version"`
	Counts  map[string]int `json:"counts"`
	rolloutStateJSON
}

// listRollouts is GET /api/v1/updates: the rollouts started, the newest
// first, each with its counts by phase within the caller's scope; "off"
// when this collector rolls nothing out.
func (s *server) listRollouts(w http.ResponseWriter, r *http.Request) {
	c := s.caller(r)
	if err := c.require("rollouts", RoleMonitor, RoleTracer, RoleSiteManager); err != nil {
		refuse(w, err)
		return
	}
	if s.opts.Updates == nil { // the screen hides itself
		writeJSON(w, http.StatusOK, map[string]any{"rollouts": []any{}, "off": true, "can_start": false})
		return
	}
	rs, err := s.opts.Updates.Rollouts(r.Context())
	if err != nil {
		s.internal(w, "rollouts", err)
		return
	}
	st, _ := s.store.(UpdateOutcomes)
	out := []rolloutSummaryJSON{}
	for _, ro := range rs {
		sum := rolloutSummaryJSON{Program: ro.Program, Version: ro.Version, Counts: map[string]int{}, rolloutStateJSON: rolloutState(c, ro)}
		if st != nil {
			os, err := st.UpdateOutcomes(r.Context(), ro.Program, ro.Version)
			if err != nil {
				s.internal(w, "rollouts", err)
				return
			}
			for _, o := range os {
				if c.sees(o.Unit.Site, o.Unit.Unit) {
					sum.Counts[o.Phase]++
				}
			}
		}
		out = append(out, sum)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rollouts": out, "can_start": c.Role == RoleMonitor && c.Region == ""})
}
