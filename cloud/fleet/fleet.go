// Package fleet pushes policy from the centre to the units: an operator
// chooses a policy profile (configs/policies) for a unit, a site, a
// facility type in a region or a region (assign.go says which decides),
// the choice is recorded, and each unit concerned gets the document retained
// on its own policy topic (wire.PolicyTopic), so a unit that is offline
// now gets it when it next connects. The unit validates the document
// before it runs it and reports the version it runs in its status; the
// dashboard compares that with what was chosen.
//
// A reconciler publishes again, at most once a minute per unit, to any
// unit whose reported version differs from its choice: a unit that joins a
// site after the choice was made, or whose retained copy the broker lost,
// still ends up on the chosen policy.
package fleet

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Store is what fleet reads and records.
type Store interface {
	Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error)
	Sites(ctx context.Context) ([]store.Site, error) // configured facility types
	PutAssignment(ctx context.Context, a store.Assignment) error
	Assignments(ctx context.Context) ([]store.Assignment, error)
}

// Publisher publishes a retained message and waits for the broker.
type Publisher interface {
	PublishRetained(ctx context.Context, topic string, payload []byte) error
}

// Profile is a policy document the centre can push.
type Profile struct {
	Name     string `json:"name"` // the file name without .toml
	Version  string `json:"version"`
	Facility string `json:"facility"`
	Phase    string `json:"phase"`
	Title    string `json:"title"` // the document's first comment line
	// EffectiveFrom and EffectiveTo bound when the document is in effect;
	// nil is open-ended (configs/policies/README.md).
	EffectiveFrom *time.Time `json:"effective_from"`
	EffectiveTo   *time.Time `json:"effective_to"`
	// Summary is every rule of the document as "checks.mask.mode" =
	// "hard", for the policy screen to show what a choice changes.
	Summary  map[string]string `json:"summary"`
	document string
}

// Fleet holds the profiles and pushes them.
type Fleet struct {
	store   Store
	pub     Publisher
	log     *slog.Logger
	now     func() time.Time
	regions Regions // where sites lie, for region and facility choices (assign.go)

	// pmu guards the profiles and the folder's state (profiles.go). It is
	// never held with mu.
	pmu      sync.Mutex
	profiles map[string]Profile
	dir      string           // read again when it changes; "" never
	stamps   map[string]stamp // the folder's files at the last reading
	problems []string         // the files that did not load then

	// key signs every push (keys.go); nil sends them unsigned, which a
	// unit with verify_keys refuses.
	key ed25519.PrivateKey

	mu   sync.Mutex
	sent map[store.UnitID]time.Time // when each unit's policy was last published
}

// SignWith makes f sign every push with key from now on. Call it before Run.
func (f *Fleet) SignWith(key ed25519.PrivateKey) { f.key = key }

// repushEvery bounds how often one unit is sent its policy again.
const repushEvery = time.Minute

// New returns a Fleet over the loaded profiles.
func New(st Store, pub Publisher, profiles map[string]Profile, log *slog.Logger) *Fleet {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Fleet{store: st, pub: pub, log: log.With("component", "fleet"), profiles: profiles, regions: noRegions{},
		now: time.Now, sent: map[store.UnitID]time.Time{}}
}

// Profiles lists the profiles by name, reading the folder again if it
// changed.
func (f *Fleet) Profiles() []Profile {
	f.refresh()
	f.pmu.Lock()
	defer f.pmu.Unlock()
	out := make([]Profile, 0, len(f.profiles))
	for _, p := range f.profiles {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Reconcile pushes the chosen policy to every unit not running it that
// was not sent it within repushEvery.
func (f *Fleet) Reconcile(ctx context.Context) error {
	units, err := f.store.Units(ctx, f.now())
	if err != nil {
		return err
	}
	as, err := f.store.Assignments(ctx)
	if err != nil {
		return err
	}
	sites, err := f.store.Sites(ctx)
	if err != nil {
		return err
	}
	wanted := Wanted(units, sites, as, f.regions.Path)
	var errs []error
	for _, u := range units {
		id := store.UnitID{Site: u.Site, Unit: u.ID}
		a, ok := wanted[id]
		if !ok || u.PolicyVersion == a.Version || !f.due(id) {
			continue
		}
		errs = append(errs, f.push(ctx, u, a))
	}
	return errors.Join(errs...)
}

func (f *Fleet) due(unit store.UnitID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.now().Sub(f.sent[unit]) < repushEvery {
		return false
	}
	f.sent[unit] = f.now()
	return true
}

func (f *Fleet) push(ctx context.Context, u store.Unit, a store.Assignment) error {
	p := wire.PolicyPush{Schema: wire.SchemaVersion, Site: u.Site, Unit: u.ID,
		Profile: a.Profile, Version: a.Version, Document: a.Document, IssuedAt: a.AssignedAt, IssuedBy: a.AssignedBy}
	if f.key != nil {
		wire.SignPolicy(&p, f.key)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := f.pub.PublishRetained(ctx, wire.PolicyTopic(u.Site, u.ID), b); err != nil {
		f.mu.Lock()
		delete(f.sent, store.UnitID{Site: u.Site, Unit: u.ID}) // try again on the next round
		f.mu.Unlock()
		return fmt.Errorf("fleet: push %s to %s: %w", a.Version, u.ID, err)
	}
	f.log.Info("policy pushed", "unit", u.ID, "site", u.Site, "version", a.Version)
	return nil
}

// Run reads the policies folder again if it changed and reconciles,
// every interval until ctx ends.
func (f *Fleet) Run(ctx context.Context, every time.Duration) {
	ReconcileEvery(ctx, every, func(ctx context.Context) error {
		f.refresh()
		return f.Reconcile(ctx)
	}, f.log, "policy reconcile")
}

// ReconcileEvery runs reconcile every interval until ctx ends, logging
// what fails; the next round tries again.
func ReconcileEvery(ctx context.Context, every time.Duration, reconcile func(context.Context) error, log *slog.Logger, what string) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := reconcile(ctx); err != nil && ctx.Err() == nil {
				log.Warn(what, "err", err)
			}
		}
	}
}
