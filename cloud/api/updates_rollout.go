package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre's rollouts (fleet.Centre): central monitoring (role monitor,
// no region) starts one to a scope, canaries first, promotes it to the
// rest of the scope once the canaries kept the version, or stops it;
// each audited with who. A rollout changes the program of every gate in
// its scope, so no site manager and no region official may start one.

// updatesOn answers 404 with what to configure when rollouts are off.
func (s *server) updatesOn(w http.ResponseWriter) bool {
	if s.opts.Updates == nil {
		writeError(w, http.StatusNotFound, "rollouts are off in this collector: set [updates] dir and base_url, and [policy] signing_key_file")
		return false
	}
	return true
}

// updatesWriter lets central monitoring start, promote and stop rollouts.
func (s *server) updatesWriter(w http.ResponseWriter, r *http.Request) (Caller, bool) {
	if !s.updatesOn(w) {
		return Caller{}, false
	}
	c := s.caller(r)
	err := c.require("rolling out a program", RoleMonitor)
	if err == nil && c.Region != "" {
		err = errForbidden("a rollout changes the program of every gate in its scope: only central monitoring (no region) starts one")
	}
	if err != nil {
		refuse(w, err)
		return Caller{}, false
	}
	return c, true
}

// startRolloutJSON is POST /api/v1/updates's body.
type startRolloutJSON struct {
	Program string             `json:"program"`
	Version string             `json:"version"`
	Scope   store.RolloutScope `json:"scope"`
	Canary  []string           `json:"canary"`
}

// maxRolloutBody bounds a start: a scope of every site by name, a few
// canaries.
const maxRolloutBody = 256 << 10

// startRollout is POST /api/v1/updates {"program": "kakou-unit",
// "version": "1.5.0", "scope": {"sites": ["s1"]} | {"region": "r"} | {},
// "canary": ["s1/u1"]}.
func (s *server) startRollout(w http.ResponseWriter, r *http.Request) {
	c, ok := s.updatesWriter(w, r)
	if !ok {
		return
	}
	var req startRolloutJSON
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRolloutBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `send JSON like {"program": "kakou-unit", "version": "1.5.0", "scope": {"sites": ["s1"]}, "canary": ["s1/north"]}`)
		return
	}
	canary, err := parseCanaries(req.Canary)
	if err != nil {
		refuse(w, err)
		return
	}
	if err := s.audit(r.Context(), c, "update_start", req); err != nil {
		s.internal(w, "audit rollout", err)
		return
	}
	got, err := s.opts.Updates.Start(r.Context(), fleet.StartRequest{Program: req.Program, Version: req.Version,
		Scope: req.Scope, Canary: canary, By: c.User})
	s.rolloutAnswer(w, req.Program, req.Version, got, err)
}

// parseCanaries reads "site/unit" ids, each once.
func parseCanaries(in []string) ([]store.UnitID, error) {
	var out []store.UnitID
	seen := map[store.UnitID]bool{}
	for _, s := range in {
		site, unit, ok := strings.Cut(s, "/")
		if !ok || wire.ValidateID(site) != nil || wire.ValidateID(unit) != nil {
			return nil, errors.New("canary " + clip(s) + ": want site/unit, e.g. s1/north")
		}
		id := store.UnitID{Site: site, Unit: unit}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// promoteRollout is POST /api/v1/updates/{program}/{version}/promote,
// with {"force": true, "reason": "…"} to promote over a canary that has
// not kept the version.
func (s *server) promoteRollout(w http.ResponseWriter, r *http.Request) {
	c, ok := s.updatesWriter(w, r)
	if !ok {
		return
	}
	var req struct {
		Force  bool   `json:"force"`
		Reason string `json:"reason"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, `send nothing, or {"force": true, "reason": "…"} to promote over the canaries`)
		return
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Force && req.Reason == "" {
		writeError(w, http.StatusBadRequest, "force needs a reason: say why the canaries' outcome is overruled")
		return
	}
	program, version := r.PathValue("program"), r.PathValue("version")
	if err := s.audit(r.Context(), c, "update_promote", map[string]any{"program": program, "version": version,
		"force": req.Force, "reason": req.Reason}); err != nil {
		s.internal(w, "audit promotion", err)
		return
	}
	got, err := s.opts.Updates.Promote(r.Context(), program, version, c.User, req.Force)
	s.rolloutAnswer(w, program, version, got, err)
}

// stopRollout is POST /api/v1/updates/{program}/{version}/stop.
func (s *server) stopRollout(w http.ResponseWriter, r *http.Request) {
	c, ok := s.updatesWriter(w, r)
	if !ok {
		return
	}
	program, version := r.PathValue("program"), r.PathValue("version")
	if err := s.audit(r.Context(), c, "update_stop", map[string]any{"program": program, "version": version}); err != nil {
		s.internal(w, "audit stop", err)
		return
	}
	got, err := s.opts.Updates.Stop(r.Context(), program, version, c.User)
	s.rolloutAnswer(w, program, version, got, err)
}

type skippedJSON struct {
	Site string `json:"site"`
	Unit string `json:"unit"`
	Arch string `json:"arch"`
	Why  string `json:"why"`
}

// rolloutAnswer answers a start, promotion or stop.
func (s *server) rolloutAnswer(w http.ResponseWriter, program, version string, got fleet.Published, err error) {
	switch {
	case errors.Is(err, fleet.ErrRolloutRequest):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, fleet.ErrRolloutConflict):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, fleet.ErrNoRollout):
		writeError(w, http.StatusNotFound, err.Error())
	case err != nil:
		s.internal(w, "rollout "+program+" "+version, err)
	default:
		sk := make([]skippedJSON, len(got.Skipped))
		for i, k := range got.Skipped {
			sk[i] = skippedJSON{k.Unit.Site, k.Unit.Unit, k.Arch, k.Why}
		}
		writeJSON(w, http.StatusOK, map[string]any{"program": program, "version": version, "stage": got.Stage,
			"devices": got.Devices, "pushed": got.Pushed, "skipped": sk})
	}
}
