package fleet

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// The guards of a site (store.Guard) go to every unit of the site as a
// signed roster (wire.GuardRoster), retained on each unit's own guards
// topic, so a unit that is offline when a PIN is reset learns it when it
// next connects. The roster is signed with the policy key: the unit
// verifies both with the same [policy] verify_keys.
//
// A roster is made from the store alone (its version, time and author are
// the site's latest change), so publishing it again sends the same bytes,
// and a unit takes a version once. Every change publishes at once; a
// reconciler also sends the current roster to each unit this collector has
// not sent it to yet: a unit first heard of later, or after a restart.

// GuardStore is what the roster publisher reads.
type GuardStore interface {
	Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error)
	Guards(ctx context.Context, site string) ([]store.Guard, error)
}

// Rosters publishes the sites' guard rosters to their units.
type Rosters struct {
	store GuardStore
	pub   Publisher
	log   *slog.Logger
	now   func() time.Time
	key   ed25519.PrivateKey // nil: unsigned, which units with verify_keys refuse

	mu   sync.Mutex
	sent map[store.UnitID]uint64 // the roster version last published to each unit
}

// NewRosters returns a roster publisher; call SignWith before Run.
func NewRosters(st GuardStore, pub Publisher, log *slog.Logger) *Rosters {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Rosters{store: st, pub: pub, log: log.With("component", "rosters"), now: time.Now,
		sent: map[store.UnitID]uint64{}}
}

// SignWith makes r sign every roster with key from now on.
func (r *Rosters) SignWith(key ed25519.PrivateKey) { r.key = key }

// Roster is the roster of guards for one unit: every guard of its site,
// disabled ones included (a unit must learn that a guard was disabled).
func Roster(site, unit string, guards []store.Guard) (wire.GuardRoster, error) {
	ro := wire.GuardRoster{Schema: wire.SchemaVersion, Site: site, Unit: unit}
	for _, g := range guards {
		if g.Version > ro.Version {
			ro.Version, ro.IssuedAt, ro.IssuedBy = g.Version, g.UpdatedAt.UTC(), g.UpdatedBy
		}
		ro.Guards = append(ro.Guards, wire.RosterGuard{ID: g.ID, Name: g.Name, PINHash: g.PINHash, Disabled: g.Disabled})
	}
	if err := ro.Validate(); err != nil {
		return wire.GuardRoster{}, err
	}
	return ro, nil
}

// Publish sends site's current roster to every known unit of the site.
func (r *Rosters) Publish(ctx context.Context, site string) error {
	units, err := r.store.Units(ctx, r.now())
	if err != nil {
		return err
	}
	return r.publish(ctx, units, func(u store.Unit) bool { return u.Site == site }, true)
}

// Reconcile sends each unit its site's roster if this collector has not
// sent it that version yet.
func (r *Rosters) Reconcile(ctx context.Context) error {
	units, err := r.store.Units(ctx, r.now())
	if err != nil {
		return err
	}
	return r.publish(ctx, units, func(store.Unit) bool { return true }, false)
}

func (r *Rosters) publish(ctx context.Context, units []store.Unit, want func(store.Unit) bool, always bool) error {
	bySite := map[string][]store.Guard{}
	var errs []error
	for _, u := range units {
		if u.Role == wire.RoleGateway || !want(u) {
			continue
		}
		guards, ok := bySite[u.Site]
		if !ok {
			var err error
			if guards, err = r.store.Guards(ctx, u.Site); err != nil {
				return err
			}
			bySite[u.Site] = guards
		}
		if len(guards) == 0 {
			continue // nothing managed centrally: the unit keeps its local guards file
		}
		errs = append(errs, r.send(ctx, u, guards, always))
	}
	return errors.Join(errs...)
}

func (r *Rosters) send(ctx context.Context, u store.Unit, guards []store.Guard, always bool) error {
	ro, err := Roster(u.Site, u.ID, guards)
	if err != nil {
		return fmt.Errorf("fleet: roster of %s: %w", u.Site, err)
	}
	id := store.UnitID{Site: u.Site, Unit: u.ID}
	r.mu.Lock()
	done := r.sent[id] == ro.Version
	r.mu.Unlock()
	if done && !always {
		return nil
	}
	if r.key != nil {
		wire.SignRoster(&ro, r.key)
	}
	b, err := json.Marshal(ro)
	if err != nil {
		return err
	}
	if err := r.pub.PublishRetained(ctx, wire.GuardsTopic(u.Site, u.ID), b); err != nil {
		return fmt.Errorf("fleet: roster %d to %s/%s: %w", ro.Version, u.Site, u.ID, err)
	}
	r.mu.Lock()
	r.sent[id] = ro.Version
	r.mu.Unlock()
	r.log.Info("guard roster pushed", "site", u.Site, "unit", u.ID, "version", ro.Version, "guards", len(ro.Guards))
	return nil
}

// Run reconciles every interval until ctx ends.
func (r *Rosters) Run(ctx context.Context, every time.Duration) {
	ReconcileEvery(ctx, every, r.Reconcile, r.log, "guard roster reconcile")
}
