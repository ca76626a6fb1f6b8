package fleet

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// plan is a rollout's scope resolved: per arch, the release and the
// devices that run it, and the devices that cannot be pushed.
type plan struct {
	rollouts []*Rollout
	devices  int
	skipped  []Skipped
}

// plan resolves scope to the program's devices (units for kakou-unit,
// site gateways for kakou-gateway), groups them by arch and reads one
// release per arch present. A device whose arch is unknown or has no
// binary is skipped with why; a canary must be in the scope and
// pushable, and at least one device must be.
func (c *Centre) plan(ctx context.Context, program, version string, scope store.RolloutScope, canary []store.UnitID) (plan, error) {
	targets, err := c.st.UpdateTargets(ctx)
	if err != nil {
		return plan{}, err
	}
	inScope := c.scopeFilter(scope)
	byArch := map[string][]store.UnitID{}
	var p plan
	for _, t := range targets {
		if !inScope(t.Unit.Site) || (t.Role == wire.RoleGateway) != (program == "kakou-gateway") {
			continue
		}
		p.devices++
		if !slices.Contains(wire.UpdateArches, t.Arch) {
			p.skipped = append(p.skipped, Skipped{Unit: t.Unit, Arch: t.Arch, Why: noArch(t)})
			continue
		}
		byArch[t.Arch] = append(byArch[t.Arch], t.Unit)
	}
	if p.devices == 0 {
		return plan{}, fmt.Errorf("%w: the scope holds no %s device the centre has heard from", ErrRolloutRequest, program)
	}
	for _, arch := range wire.UpdateArches {
		devs := byArch[arch]
		if len(devs) == 0 {
			continue
		}
		rel, err := ReadRelease(c.dir, program, version, arch)
		if err != nil {
			for _, d := range devs {
				p.skipped = append(p.skipped, Skipped{Unit: d, Arch: arch, Why: noBinary(program, version, arch)})
			}
			continue
		}
		r := &Rollout{Release: rel, BaseURL: c.baseURL, Devices: devs, Key: c.key, Now: c.now}
		for _, d := range canary {
			if slices.Contains(devs, d) {
				r.Canary = append(r.Canary, d)
			}
		}
		p.rollouts = append(p.rollouts, r)
	}
	if len(p.rollouts) == 0 {
		why := p.skipped[0].Why
		for _, sk := range p.skipped {
			if sk.Arch != "" { // a missing binary says more than an old device
				why = sk.Why
				break
			}
		}
		return plan{}, fmt.Errorf("%w: no device of the scope can be pushed %s %s: %s", ErrRolloutRequest, program, version, why)
	}
	for _, d := range canary {
		if !p.pushes(d) {
			return plan{}, fmt.Errorf("%w: canary %s is not a %s device of the scope that can be pushed %s", ErrRolloutRequest, d, program, version)
		}
	}
	return p, nil
}

// pushes says whether the plan reaches d.
func (p plan) pushes(d store.UnitID) bool {
	for _, r := range p.rollouts {
		if slices.Contains(r.Devices, d) {
			return true
		}
	}
	return false
}

// scopeFilter says which sites are in scope: the named ones, a region's,
// or (neither named) all.
func (c *Centre) scopeFilter(scope store.RolloutScope) func(site string) bool {
	switch {
	case scope.Region != "":
		return func(site string) bool { return c.regions.Within(scope.Region, site) }
	case len(scope.Sites) > 0:
		return func(site string) bool { return slices.Contains(scope.Sites, site) }
	}
	return func(string) bool { return true }
}

// publish signs and publishes the stage of every arch's rollout.
func (p plan) publish(ctx context.Context, c *Centre, ps Stage, stage string) (Published, error) {
	out := Published{Stage: stage, Devices: p.devices, Skipped: p.skipped}
	for _, r := range p.rollouts {
		n, err := r.Publish(ctx, c.pub, ps)
		out.Pushed += n
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func noArch(t store.UpdateTarget) string {
	return "its status names no architecture: it runs a program older than the updates (" + t.Firmware + "); update it by hand"
}

func noBinary(program, version, arch string) string {
	return fmt.Sprintf("no %s binary for %s: put it at <[updates] dir>/%s/%s/%s/%s", version, arch, program, version, arch, program)
}

// missing says why t cannot be pushed the release, "" if it can.
func (c *Centre) missing(program, version string, t store.UpdateTarget) string {
	if !slices.Contains(wire.UpdateArches, t.Arch) {
		return noArch(t)
	}
	path, err := releasePath(c.dir, program, version, t.Arch)
	if err != nil {
		return err.Error()
	}
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return noBinary(program, version, t.Arch)
	}
	return ""
}
