package fleet

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/region"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// CentreStore is what the centre's rollouts keep and read: the devices
// with their arch, the rollouts started, and the devices' outcomes.
type CentreStore interface {
	UpdateTargets(ctx context.Context) ([]store.UpdateTarget, error)
	PutRollout(ctx context.Context, r store.Rollout) error
	SetRolloutStage(ctx context.Context, program, version string, from []string, stage, by string, at time.Time) (bool, error)
	Rollouts(ctx context.Context) ([]store.Rollout, error)
	UpdateOutcomes(ctx context.Context, program, version string) ([]store.UpdateOutcome, error)
}

// Errors the API answers with their own status: a request that cannot be
// rolled out as asked (400), one that conflicts with the rollout's state
// (409), a rollout never started (404).
var (
	ErrRolloutRequest  = errors.New("rollout")
	ErrRolloutConflict = errors.New("rollout conflict")
	ErrNoRollout       = errors.New("no such rollout")
)

// Centre starts, promotes and stops the centre's rollouts: it resolves a
// scope to devices, reads one release per arch from the updates folder,
// signs each device's push with the policy key and publishes it retained.
// The store holds each rollout's stage, so a restarted collector (or a
// second one on PostgreSQL) carries on where it was, and two promotions
// at once publish once.
type Centre struct {
	st      CentreStore
	pub     Publisher
	dir     string
	baseURL string
	regions *region.Tree
	key     ed25519.PrivateKey
	now     func() time.Time
	mu      sync.Mutex // one start, promotion or stop at a time in this collector
}

// NewCentre is the rollouts of the releases under dir, downloaded from
// baseURL (the collector's public https address).
func NewCentre(st CentreStore, pub Publisher, dir, baseURL string, regions *region.Tree) *Centre {
	return &Centre{st: st, pub: pub, dir: dir, baseURL: baseURL, regions: regions, now: time.Now}
}

// SignWith sets the policy key every push is signed with.
func (c *Centre) SignWith(k ed25519.PrivateKey) { c.key = k }

// Signed says whether the centre has a key: without one no device
// installs what it pushes.
func (c *Centre) Signed() bool { return c.key != nil }

// StartRequest asks for a rollout of one version of a program to a scope,
// canaries first when any are named.
type StartRequest struct {
	Program, Version string
	Scope            store.RolloutScope
	Canary           []store.UnitID
	By               string
}

// Skipped is a device of the scope that is not pushed, and why.
type Skipped struct {
	Unit store.UnitID
	Arch string
	Why  string
}

// Published is what one start, promotion or stop did.
type Published struct {
	Stage   string
	Devices int // in the scope
	Pushed  int
	Skipped []Skipped
}

// Start checks the request, records the rollout and publishes its first
// stage: the canaries if any are named, else the whole scope.
func (c *Centre) Start(ctx context.Context, req StartRequest) (Published, error) {
	if err := c.checkRequest(req); err != nil {
		return Published{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	plan, err := c.plan(ctx, req.Program, req.Version, req.Scope, req.Canary)
	if err != nil {
		return Published{}, err
	}
	stage, pstage := store.RolloutFleet, FleetStage
	if len(req.Canary) > 0 {
		stage, pstage = store.RolloutCanary, CanaryStage
	}
	r := store.Rollout{Program: req.Program, Version: req.Version, Scope: req.Scope, Canary: req.Canary,
		Stage: stage, StartedBy: req.By, StartedAt: c.now().UTC()}
	if err := c.st.PutRollout(ctx, r); errors.Is(err, store.ErrRolloutExists) {
		return Published{}, fmt.Errorf("%w: %s %s is being rolled out already; promote or stop it", ErrRolloutConflict, req.Program, req.Version)
	} else if err != nil {
		return Published{}, err
	}
	out, err := plan.publish(ctx, c, pstage, stage)
	if err != nil { // recorded, part sent: a start again would be refused
		return out, fmt.Errorf("%w; the rollout is recorded with %d pushed: stop it and start it again to resend", err, out.Pushed)
	}
	return out, nil
}

// checkRequest refuses what no rollout can be: an unknown program, a
// version that is not semver (so no path can be named through it), a
// region not configured, an id that is not one.
func (c *Centre) checkRequest(req StartRequest) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrRolloutRequest, fmt.Sprintf(format, args...))
	}
	if c.key == nil {
		return bad("this collector has no signing key: set [policy] signing_key_file; a device installs only signed updates")
	}
	if !slices.Contains(wire.UpdatePrograms, req.Program) {
		return bad("program %q: want one of %v", req.Program, wire.UpdatePrograms)
	}
	if _, err := wire.ParseSemver(req.Version); err != nil {
		return bad("version %q: want semver, e.g. 1.5.0", req.Version)
	}
	if req.Scope.Region != "" && len(req.Scope.Sites) > 0 {
		return bad("scope: name sites or a region, not both")
	}
	if req.Scope.Region != "" && !c.regions.Has(req.Scope.Region) {
		return bad("scope: region %q is not configured ([[regions]])", req.Scope.Region)
	}
	for _, s := range req.Scope.Sites {
		if wire.ValidateID(s) != nil {
			return bad("scope: site %q is not a site id", s)
		}
	}
	if len(req.Canary) > MaxCanaries {
		return bad("%d canaries: at most %d; canaries are a few devices that go first", len(req.Canary), MaxCanaries)
	}
	return nil
}

// MaxCanaries bounds a request's canaries: they go first so a few
// devices show a release is good before the rest get it.
const MaxCanaries = 50
