package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// UpdateOutcomes is the store's side of the rollout view; both backends
// have it.
type UpdateOutcomes interface {
	UpdateOutcomes(ctx context.Context, program, version string) ([]store.UpdateOutcome, error)
}

// updateOutcomeJSON is one device's outcome as the API shows it.
type updateOutcomeJSON struct {
	Site       string    `json:"site"`
	Unit       string    `json:"unit"`
	Phase      string    `json:"phase"` // pending, kept, refused, rolled-back
	Previous   string    `json:"previous,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Canary     bool      `json:"canary,omitempty"`
	ReportedAt time.Time `json:"reported_at"`
	// Firmware and Arch are what the device's last status said it runs
	// (updates_view.go); a device pushed that has not reported yet is
	// phase "waiting".
	Firmware string `json:"firmware,omitempty"`
	Arch     string `json:"arch,omitempty"`
}

// rolloutJSON is the rollout of one version: counts by phase (who has it,
// who failed, who rolled back) and the devices the caller may see.
type rolloutJSON struct {
	Program          string              `json:"program"`
	Version          string              `json:"version"`
	Counts           map[string]int      `json:"counts"`
	Devices          []updateOutcomeJSON `json:"devices"`
	rolloutStateJSON                     // the rollout started for it, if any (updates_view.go)
}

// rollout answers GET /api/v1/updates/{program}/{version}, within the
// caller's scope.
func (s *server) rollout(w http.ResponseWriter, r *http.Request) {
	c := s.caller(r)
	program, version := r.PathValue("program"), r.PathValue("version")
	if _, err := wire.ParseSemver(version); err != nil || program != "kakou-unit" && program != "kakou-gateway" {
		refuse(w, errors.New("want /api/v1/updates/<kakou-unit|kakou-gateway>/<version>, e.g. /api/v1/updates/kakou-unit/1.5.0"))
		return
	}
	st, ok := s.store.(UpdateOutcomes)
	if !ok {
		s.internal(w, "rollout", errors.New("this store keeps no update outcomes"))
		return
	}
	rows, err := st.UpdateOutcomes(r.Context(), program, version)
	if err != nil {
		s.internal(w, "rollout", err)
		return
	}
	out := rolloutJSON{Program: program, Version: version, Counts: map[string]int{}, Devices: []updateOutcomeJSON{}}
	for _, o := range rows {
		if !c.sees(o.Unit.Site, o.Unit.Unit) {
			continue
		}
		out.Counts[o.Phase]++
		out.Devices = append(out.Devices, updateOutcomeJSON{Site: o.Unit.Site, Unit: o.Unit.Unit, Phase: o.Phase,
			Previous: o.Previous, Reason: o.Reason, Canary: o.Canary, ReportedAt: o.ReportedAt})
	}
	if err := s.addRolloutState(r.Context(), c, &out); err != nil {
		s.internal(w, "rollout", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
