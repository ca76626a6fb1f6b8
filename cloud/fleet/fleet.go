// Package fleet pushes policy from the centre to the units: an operator
// chooses a policy profile (configs/policies) for a site or a unit, the
// choice is recorded, and each unit concerned gets the document retained
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
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Store is what fleet reads and records.
type Store interface {
	Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error)
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
	document string
}

// Fleet holds the profiles and pushes them.
type Fleet struct {
	store    Store
	pub      Publisher
	log      *slog.Logger
	profiles map[string]Profile
	now      func() time.Time

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

// LoadProfiles reads every *.toml in dir. A document is checked only for
// the keys the centre shows; the unit checks the rest before using it.
func LoadProfiles(dir string) (map[string]Profile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("fleet: no policy profiles (*.toml) in %s", dir)
	}
	out := map[string]Profile{}
	for _, p := range paths {
		prof, err := loadProfile(p)
		if err != nil {
			return nil, err
		}
		out[prof.Name] = prof
	}
	return out, nil
}

func loadProfile(path string) (Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("fleet: %w", err)
	}
	var head struct {
		Version  string `toml:"version"`
		Facility string `toml:"facility"`
		Phase    string `toml:"phase"`
	}
	if _, err := toml.Decode(string(b), &head); err != nil {
		return Profile{}, fmt.Errorf("fleet: %s: %w", path, err)
	}
	if head.Version == "" {
		return Profile{}, fmt.Errorf("fleet: %s: no version; every entry records the version that decided it", path)
	}
	if len(b) > wire.MaxPolicyDocument {
		return Profile{}, fmt.Errorf("fleet: %s: %d bytes, more than the %d a push carries", path, len(b), wire.MaxPolicyDocument)
	}
	title, _, _ := strings.Cut(string(b), "\n")
	return Profile{Name: strings.TrimSuffix(filepath.Base(path), ".toml"), Version: head.Version,
		Facility: head.Facility, Phase: head.Phase, Title: strings.TrimSpace(strings.TrimPrefix(title, "#")),
		document: string(b)}, nil
}

// New returns a Fleet over the loaded profiles.
func New(st Store, pub Publisher, profiles map[string]Profile, log *slog.Logger) *Fleet {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Fleet{store: st, pub: pub, log: log.With("component", "fleet"), profiles: profiles,
		now: time.Now, sent: map[store.UnitID]time.Time{}}
}

// Profiles lists the profiles by name.
func (f *Fleet) Profiles() []Profile {
	out := make([]Profile, 0, len(f.profiles))
	for _, p := range f.profiles {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ErrUnknownProfile is returned for a profile not in the policies folder.
var ErrUnknownProfile = errors.New("fleet: no such policy profile")

// Assign records the choice of profile for a site or unit and pushes it
// at once to the units it concerns that are known.
func (f *Fleet) Assign(ctx context.Context, scope, target, profile, by string) (store.Assignment, error) {
	p, ok := f.profiles[profile]
	if !ok {
		return store.Assignment{}, fmt.Errorf("%w %q", ErrUnknownProfile, profile)
	}
	if scope != "site" && scope != "unit" {
		return store.Assignment{}, fmt.Errorf("fleet: scope %q: use site or unit", scope)
	}
	if err := validTarget(scope, target); err != nil {
		return store.Assignment{}, fmt.Errorf("fleet: %s %q: %w", scope, target, err)
	}
	a := store.Assignment{Scope: scope, Target: target, Profile: p.Name, Version: p.Version,
		Document: p.document, AssignedBy: by, AssignedAt: f.now()}
	if err := f.store.PutAssignment(ctx, a); err != nil {
		return store.Assignment{}, err
	}
	f.log.Info("policy assigned", "scope", scope, "target", target, "profile", p.Name, "version", p.Version, "by", by)
	f.mu.Lock()
	clear(f.sent) // a new choice goes out now, not after repushEvery
	f.mu.Unlock()
	return a, f.Reconcile(ctx)
}

// validTarget checks an assignment's target: a site id, or a unit as
// "site/unit", since two sites may each have a gate-1 (store.UnitID).
func validTarget(scope, target string) error {
	if scope == "site" {
		return wire.ValidateID(target)
	}
	site, unit, ok := strings.Cut(target, "/")
	if !ok {
		return errors.New(`name the unit with its site: "site/unit"`)
	}
	return errors.Join(wire.ValidateID(site), wire.ValidateID(unit))
}

// Wanted is each unit's chosen policy: its own choice, else its site's.
func Wanted(units []store.Unit, as []store.Assignment) map[store.UnitID]store.Assignment {
	bySite, byUnit := map[string]store.Assignment{}, map[string]store.Assignment{}
	for _, a := range as {
		if a.Scope == "site" {
			bySite[a.Target] = a
		} else {
			byUnit[a.Target] = a
		}
	}
	out := map[store.UnitID]store.Assignment{}
	for _, u := range units {
		id := store.UnitID{Site: u.Site, Unit: u.ID}
		if a, ok := byUnit[id.String()]; ok {
			out[id] = a
		} else if a, ok := bySite[u.Site]; ok {
			out[id] = a
		}
	}
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
	wanted := Wanted(units, as)
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

// Run reconciles every interval until ctx ends.
func (f *Fleet) Run(ctx context.Context, every time.Duration) {
	reconcileEvery(ctx, every, f.Reconcile, f.log, "policy reconcile")
}

// reconcileEvery runs reconcile every interval until ctx ends, logging
// what fails; the next round tries again.
func reconcileEvery(ctx context.Context, every time.Duration, reconcile func(context.Context) error, log *slog.Logger, what string) {
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
