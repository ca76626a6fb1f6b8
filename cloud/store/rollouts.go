package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// UpdateTarget is a device a rollout can reach: its role (RoleGateway for
// a site gateway, "" for a unit), the architecture its program is built
// for and the version it runs, from its last status that said them.
type UpdateTarget struct {
	Unit     UnitID
	Role     string
	Arch     string // "" until the device's status names one
	Firmware string
}

// RolloutScope is where a rollout goes: the named sites, or the sites of
// a region, or (both empty) every site.
type RolloutScope struct {
	Sites  []string `json:"sites,omitempty"`
	Region string   `json:"region,omitempty"`
}

// The stages a rollout is in: its canaries only, the whole scope, or
// stopped (the pushes not yet installed were cleared).
const (
	RolloutCanary  = "canary"
	RolloutFleet   = "fleet"
	RolloutStopped = "stopped"
)

// Rollout is one version of one program the centre started rolling out,
// kept so a restarted collector still knows its stage and canaries.
type Rollout struct {
	Program, Version string
	Scope            RolloutScope
	Canary           []UnitID
	Stage            string
	StartedBy        string
	StartedAt        time.Time
	// ChangedBy and ChangedAt are who promoted or stopped it, and when.
	ChangedBy string
	ChangedAt time.Time
}

// ErrRolloutExists is PutRollout's answer when the version is being
// rolled out already: stop it first.
var ErrRolloutExists = errors.New("store: this version is being rolled out already")

// EncodeRollout is how both backends keep a rollout's scope and canaries:
// JSON, the canaries as "site/unit".
func EncodeRollout(r Rollout) (scope, canary string) {
	s, _ := json.Marshal(r.Scope)
	cs := make([]string, len(r.Canary))
	for i, c := range r.Canary {
		cs[i] = c.String()
	}
	c, _ := json.Marshal(cs)
	return string(s), string(c)
}

// DecodeRollout reads back what EncodeRollout wrote.
func DecodeRollout(r *Rollout, scope, canary string) error {
	if err := json.Unmarshal([]byte(scope), &r.Scope); err != nil {
		return fmt.Errorf("store: rollout %s %s scope: %w", r.Program, r.Version, err)
	}
	var cs []string
	if err := json.Unmarshal([]byte(canary), &cs); err != nil {
		return fmt.Errorf("store: rollout %s %s canaries: %w", r.Program, r.Version, err)
	}
	r.Canary = make([]UnitID, 0, len(cs))
	for _, c := range cs {
		site, unit, _ := strings.Cut(c, "/")
		r.Canary = append(r.Canary, UnitID{Site: site, Unit: unit})
	}
	return nil
}
