// Package staff is the centre's side of the roll call (晨午晚检,
// docs/product.md "People treated differently"): it pushes each site's
// staff roster (store.StaffRoster), signed with the policy key, to every
// unit of the site, retained on the unit's own staff topic (Publisher),
// and joins the checks the site's units sent into the current round's
// roll call (Compute).
package staff

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Store is what the publisher and the roll call read.
type Store interface {
	Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error)
	StaffRoster(ctx context.Context, site string) (store.StaffRoster, error)
	PutStaffRoster(ctx context.Context, r store.StaffRoster) (store.StaffRoster, error)
	StaffRounds(ctx context.Context, site string) ([]store.UnitRound, error)
	StaffChecks(ctx context.Context, site string, since time.Time) ([]store.StaffCheckRow, error)
}

// Publisher publishes a retained message and waits for the broker.
type Publisher interface {
	PublishRetained(ctx context.Context, topic string, payload []byte) error
}

// ErrTooLarge is a roster that would not fit the one message a unit takes
// (wire.MaxStaffRosterPayload): the centre refuses it before publishing.
var ErrTooLarge = errors.New("staff roster too large for one message")

// Roster is the wire roster of site for unit, refused if it is over the
// payload cap: then split the site's people between sites, or shorten
// the class names.
func Roster(unit string, r store.StaffRoster) (wire.StaffRoster, error) {
	ro := wire.StaffRoster{Schema: wire.SchemaVersion, Site: r.Site, Unit: unit, Version: r.Version,
		IssuedAt: r.UpdatedAt.UTC(), IssuedBy: r.UpdatedBy, Members: r.Members}
	if ro.Members == nil {
		ro.Members = []wire.StaffMember{}
	}
	if err := ro.Validate(); err != nil {
		return wire.StaffRoster{}, err
	}
	return ro, CheckSize(ro)
}

// CheckSize refuses a roster whose message, signature included, would
// exceed wire.MaxStaffRosterPayload.
func CheckSize(ro wire.StaffRoster) error {
	ro.Signature = string(make([]byte, 88)) // a base64 Ed25519 signature's length
	b, _ := json.Marshal(ro)
	if len(b) > wire.MaxStaffRosterPayload {
		return fmt.Errorf("%w: %d members take %d bytes, a unit takes at most %d (about 3,000 pupils with short class names fit)",
			ErrTooLarge, len(ro.Members), len(b), wire.MaxStaffRosterPayload)
	}
	return nil
}

// Pusher publishes the sites' staff rosters to their units.
type Pusher struct {
	store Store
	pub   Publisher
	log   *slog.Logger
	now   func() time.Time
	key   ed25519.PrivateKey // nil: unsigned, which units with verify_keys refuse

	mu   sync.Mutex
	sent map[store.UnitID]uint64 // the version last published to each unit
}

// NewPusher returns a publisher; call SignWith before Run.
func NewPusher(st Store, pub Publisher, log *slog.Logger) *Pusher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pusher{store: st, pub: pub, log: log.With("component", "staff"), now: time.Now, sent: map[store.UnitID]uint64{}}
}

// SignWith makes p sign every roster with key from now on.
func (p *Pusher) SignWith(key ed25519.PrivateKey) { p.key = key }

// Publish sends site's roster to every known unit of the site.
func (p *Pusher) Publish(ctx context.Context, site string) error {
	return p.publish(ctx, func(u store.Unit) bool { return u.Site == site }, true)
}

// Reconcile sends each unit its site's roster if this collector has not
// sent it that version yet (a unit first heard of later, a restart).
func (p *Pusher) Reconcile(ctx context.Context) error {
	return p.publish(ctx, func(store.Unit) bool { return true }, false)
}

func (p *Pusher) publish(ctx context.Context, want func(store.Unit) bool, always bool) error {
	units, err := p.store.Units(ctx, p.now())
	if err != nil {
		return err
	}
	rosters := map[string]store.StaffRoster{}
	var errs []error
	for _, u := range units {
		if u.Role == wire.RoleGateway || !want(u) {
			continue
		}
		r, ok := rosters[u.Site]
		if !ok {
			if r, err = p.store.StaffRoster(ctx, u.Site); err != nil {
				return err
			}
			rosters[u.Site] = r
		}
		if r.Version == 0 {
			continue // the site has no roll call
		}
		errs = append(errs, p.send(ctx, u, r, always))
	}
	return errors.Join(errs...)
}

func (p *Pusher) send(ctx context.Context, u store.Unit, r store.StaffRoster, always bool) error {
	id := store.UnitID{Site: u.Site, Unit: u.ID}
	p.mu.Lock()
	done := p.sent[id] == r.Version
	p.mu.Unlock()
	if done && !always {
		return nil
	}
	ro, err := Roster(u.ID, r)
	if err != nil {
		return fmt.Errorf("staff: roster of %s: %w", u.Site, err)
	}
	if p.key != nil {
		wire.SignStaffRoster(&ro, p.key)
	}
	b, err := json.Marshal(ro)
	if err != nil {
		return err
	}
	if err := p.pub.PublishRetained(ctx, wire.StaffTopic(u.Site, u.ID), b); err != nil {
		return fmt.Errorf("staff: roster %d to %s/%s: %w", ro.Version, u.Site, u.ID, err)
	}
	p.mu.Lock()
	p.sent[id] = r.Version
	p.mu.Unlock()
	p.log.Info("staff roster pushed", "site", u.Site, "unit", u.ID, "version", ro.Version, "members", len(ro.Members), "bytes", len(b))
	return nil
}

// Run reconciles every interval until ctx ends.
func (p *Pusher) Run(ctx context.Context, every time.Duration) {
	fleet.ReconcileEvery(ctx, every, p.Reconcile, p.log, "staff roster reconcile")
}
