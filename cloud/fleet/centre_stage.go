package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Rollouts lists the rollouts started, the newest first.
func (c *Centre) Rollouts(ctx context.Context) ([]store.Rollout, error) { return c.st.Rollouts(ctx) }

// Rollout is one rollout started, or ErrNoRollout.
func (c *Centre) Rollout(ctx context.Context, program, version string) (store.Rollout, error) {
	rs, err := c.st.Rollouts(ctx)
	if err != nil {
		return store.Rollout{}, err
	}
	for _, r := range rs {
		if r.Program == program && r.Version == version {
			return r, nil
		}
	}
	return store.Rollout{}, fmt.Errorf("%w: %s %s was never started here", ErrNoRollout, program, version)
}

// Promote publishes the fleet stage of a rollout in its canary stage. It
// refuses while a canary has not reported the version kept, or once one
// refused or rolled it back, naming who, unless force (the caller audits
// why). Of promotions at once, one moves the stage and publishes; the
// others are refused, so each device gets one push.
func (c *Centre) Promote(ctx context.Context, program, version, by string, force bool) (Published, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.Rollout(ctx, program, version)
	if err != nil {
		return Published{}, err
	}
	if r.Stage != store.RolloutCanary {
		return Published{}, fmt.Errorf("%w: %s %s is in its %s stage, not waiting on canaries", ErrRolloutConflict, program, version, r.Stage)
	}
	if !force {
		if err := c.canariesKept(ctx, r); err != nil {
			return Published{}, err
		}
	}
	p, err := c.plan(ctx, program, version, r.Scope, r.Canary)
	if err != nil {
		return Published{}, err
	}
	moved, err := c.st.SetRolloutStage(ctx, program, version, []string{store.RolloutCanary}, store.RolloutFleet, by, c.now().UTC())
	if err != nil {
		return Published{}, err
	}
	if !moved {
		return Published{}, fmt.Errorf("%w: %s %s was promoted or stopped meanwhile", ErrRolloutConflict, program, version)
	}
	out, err := p.publish(ctx, c, FleetStage, store.RolloutFleet)
	if err != nil { // the stage moved, part sent: promoting again is refused
		return out, fmt.Errorf("%w; %d pushed: stop the rollout and start it again without canaries to resend", err, out.Pushed)
	}
	return out, nil
}

// canariesKept refuses a promotion until every canary reported the
// version kept, and after any refused or rolled it back.
func (c *Centre) canariesKept(ctx context.Context, r store.Rollout) error {
	outs, err := c.st.UpdateOutcomes(ctx, r.Program, r.Version)
	if err != nil {
		return err
	}
	phase := map[store.UnitID]store.UpdateOutcome{}
	for _, o := range outs {
		phase[o.Unit] = o
	}
	var failed, waiting []string
	for _, d := range r.Canary {
		o, ok := phase[d]
		switch {
		case ok && (o.Phase == phaseRolledBack || o.Phase == phaseRefused):
			failed = append(failed, fmt.Sprintf("%s %s (%s)", d, o.Phase, o.Reason))
		case !ok || o.Phase != phaseKept:
			waiting = append(waiting, d.String())
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: canary %s; fix the release, or promote with force and a reason", ErrRolloutConflict, strings.Join(failed, "; "))
	}
	if len(waiting) > 0 {
		return fmt.Errorf("%w: waiting for canary %s to report the version kept", ErrRolloutConflict, strings.Join(waiting, ", "))
	}
	return nil
}

// Stop ends a rollout: the retained pushes of its devices that have not
// kept the version are cleared (an empty retained payload, which a
// device reads as "keep what you hold"), and it is recorded stopped.
func (c *Centre) Stop(ctx context.Context, program, version, by string) (Published, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.Rollout(ctx, program, version)
	if err != nil {
		return Published{}, err
	}
	moved, err := c.st.SetRolloutStage(ctx, program, version, []string{store.RolloutCanary, store.RolloutFleet}, store.RolloutStopped, by, c.now().UTC())
	if err != nil {
		return Published{}, err
	}
	if !moved {
		return Published{}, fmt.Errorf("%w: %s %s is stopped already", ErrRolloutConflict, program, version)
	}
	outs, err := c.st.UpdateOutcomes(ctx, program, version)
	if err != nil {
		return Published{}, err
	}
	kept := map[store.UnitID]bool{}
	for _, o := range outs {
		kept[o.Unit] = o.Phase == phaseKept
	}
	targets, err := c.st.UpdateTargets(ctx)
	if err != nil {
		return Published{}, err
	}
	inScope, out := c.scopeFilter(r.Scope), Published{Stage: store.RolloutStopped}
	var errs []error
	for _, t := range targets {
		if !inScope(t.Unit.Site) || (t.Role == wire.RoleGateway) != (program == "kakou-gateway") {
			continue
		}
		out.Devices++
		if kept[t.Unit] {
			continue
		}
		if err := c.pub.PublishRetained(ctx, wire.UpdateTopic(t.Unit.Site, t.Unit.Unit), nil); err != nil {
			errs = append(errs, err)
			continue
		}
		out.Pushed++
	}
	return out, errors.Join(errs...)
}

// The phases a device reports of an update (wire.UpdatePhases).
const (
	phaseKept       = "kept"
	phaseRolledBack = "rolled-back"
	phaseRefused    = "refused"
)

// Device is one device of a rollout's scope and, when it is not pushed,
// why (no arch known, no binary for its arch).
type Device struct {
	store.UpdateTarget
	Skipped string
}

// Devices are the rollout's scope resolved now: the program's devices
// (units or site gateways) in its sites, with arch and version running.
func (c *Centre) Devices(ctx context.Context, r store.Rollout) ([]Device, error) {
	targets, err := c.st.UpdateTargets(ctx)
	if err != nil {
		return nil, err
	}
	inScope := c.scopeFilter(r.Scope)
	why := map[string]string{} // per arch, "" when its binary is there
	var out []Device
	for _, t := range targets {
		if !inScope(t.Unit.Site) || (t.Role == wire.RoleGateway) != (r.Program == "kakou-gateway") {
			continue
		}
		w, ok := why[t.Arch]
		if !ok {
			w = c.missing(r.Program, r.Version, t)
			why[t.Arch] = w
		}
		out = append(out, Device{UpdateTarget: t, Skipped: w})
	}
	return out, nil
}
