// Package roster is the centre's watch roster: people in home quarantine
// (居家隔离), in health monitoring (健康监测) and returnees (返乡人员), kept in
// the store (store.WatchEntry) and published to every unit of the fleet
// as the signed tree of retained messages the wire contract defines
// (firmware/wire/watch.go). [Service.Add] and [Service.Put] are the seam
// everything that changes the roster goes through: the API's roster
// endpoints, an import, and a returnee registered at a gate.
//
// # Publishing
//
// Every publication is a head of the next version (one more than the last
// head published, which the store remembers across restarts, so a unit
// never sees the centre go back). The first publication after the
// collector starts is a snapshot of the whole roster (the base); each
// change after it goes out as a delta part: the unit already holds the
// snapshot's parts, so a change costs it a delta, an index part and the
// head. When the deltas grow past a bound (MaxDeltas of them, or more
// changed entries than a tenth of the roster) the next publication is a
// new snapshot. Parts go out before their head, and a part no head names
// any more is cleared (an empty retained message) after the new head is
// out, so the broker keeps only the current tree. What was published is
// recorded in the store, so a restarted collector clears the previous
// run's parts too.
//
// Only one collector of a fleet should publish the roster: two would each
// sign their own tree under one version, and a unit takes only the first.
package roster

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Entry is one roster entry as the centre keeps it.
type Entry = store.WatchEntry

// Store is what the roster lives in (both cloud backends).
type Store interface {
	PutWatchEntries(context.Context, []store.WatchEntry) ([]store.WatchEntry, error)
	WatchEntries(context.Context, store.WatchQuery) ([]store.WatchEntry, error)
	WatchPushed(context.Context) (store.WatchPush, error)
	PutWatchPushed(context.Context, store.WatchPush) error
}

// Publisher publishes a retained message (the collector's ingest client).
type Publisher interface {
	PublishRetained(ctx context.Context, topic string, payload []byte) error
}

// MaxDeltas is how many changes ride on one snapshot before the next
// publication compacts them into a new one.
const MaxDeltas = 32

// Service keeps and publishes the roster. mu orders publications; the
// store orders changes.
type Service struct {
	store Store
	pub   Publisher
	log   *slog.Logger
	now   func() time.Time
	key   ed25519.PrivateKey // nil: unsigned, which units with verify_keys refuse

	mu        sync.Mutex
	base      uint64                     // the snapshot's head version; 0: none published yet
	head      uint64                     // the head version last published
	seen      uint64                     // the store's entry version the last publication holds
	snapshot  []wire.WatchEntry          // the roster at base, by id
	deltas    []wire.WatchDelta          // the changes after base, in order
	current   map[string]wire.WatchEntry // the roster at head
	published map[string][]byte          // every retained part now out, by name
}

// New returns a roster service; call SignWith before publishing.
func New(st Store, pub Publisher, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, pub: pub, log: log.With("component", "roster"), now: time.Now}
}

// SignWith makes s sign every head with key (the fleet's policy key, which
// units check with [policy] verify_keys).
func (s *Service) SignWith(key ed25519.PrivateKey) { s.key = key }

// Add puts one entry, new or replacing the one with its id, and publishes
// the roster. e needs Site (the community responsible), UpdatedBy and
// UpdatedAt (now, when zero); an id is made when it has none.
func (s *Service) Add(ctx context.Context, e Entry) error {
	_, err := s.Put(ctx, []Entry{e})
	return err
}

// ErrNoEntry is End for an id the roster does not hold.
var ErrNoEntry = errors.New("roster: no such entry")

// Get returns the entry with id, ended or not.
func (s *Service) Get(ctx context.Context, id string) (Entry, error) {
	es, err := s.store.WatchEntries(ctx, store.WatchQuery{ID: id, Ended: true})
	if err != nil {
		return Entry{}, err
	}
	if len(es) == 0 {
		return Entry{}, fmt.Errorf("%w: %s", ErrNoEntry, id)
	}
	return es[0], nil
}

// End takes the entry with id off the roster (its period is over early,
// or it was a mistake), by by, and publishes; the entry stays in the
// store, ended, for the record.
func (s *Service) End(ctx context.Context, id, by string) (Entry, error) {
	e, err := s.Get(ctx, id)
	if err != nil {
		return Entry{}, err
	}
	e.Ended, e.UpdatedBy, e.UpdatedAt = true, by, time.Time{}
	out, err := s.Put(ctx, []Entry{e})
	if err != nil {
		return Entry{}, err
	}
	return out[0], nil
}

// Put stores entries as one change (one version) and publishes. Storing
// is what counts: a publication that fails is logged and retried by Run.
func (s *Service) Put(ctx context.Context, es []Entry) ([]Entry, error) {
	now := s.now().UTC()
	for i := range es {
		if es[i].UpdatedAt.IsZero() {
			es[i].UpdatedAt = now
		}
		if es[i].ID == "" {
			es[i].ID = NewID()
		}
	}
	stored, err := s.store.PutWatchEntries(ctx, es)
	if err != nil {
		return nil, err
	}
	if err := s.Publish(ctx); err != nil {
		s.log.Error("roster stored but not published; retrying", "err", err)
	}
	return stored, nil
}

// Publish sends the changes made since the last publication, or the
// whole roster the first time and whenever the deltas have grown too
// long; it does nothing when nothing changed.
func (s *Service) Publish(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.base == 0 {
		return s.publishSnapshot(ctx)
	}
	changes, err := s.store.WatchEntries(ctx, store.WatchQuery{AfterVersion: s.seen})
	if err != nil || len(changes) == 0 {
		return err
	}
	changed := 0
	for _, d := range s.deltas {
		changed += len(d.Entries)
	}
	if len(s.deltas)+1 > MaxDeltas || changed+len(changes) > max(100, len(s.current)/10) {
		return s.publishSnapshot(ctx)
	}
	d := wire.WatchDelta{Version: s.head + 1}
	for _, c := range changes {
		d.Entries = append(d.Entries, c.WatchEntry)
		s.seen = max(s.seen, c.Version)
		if c.Ended {
			delete(s.current, c.ID)
		} else {
			s.current[c.ID] = c.WatchEntry
		}
	}
	s.deltas = append(s.deltas, d)
	s.head = d.Version
	return s.send(ctx)
}

// publishSnapshot starts a new base at the roster's current version.
func (s *Service) publishSnapshot(ctx context.Context) error {
	all, err := s.store.WatchEntries(ctx, store.WatchQuery{Ended: true})
	if err != nil {
		return err
	}
	var v uint64
	cur := map[string]wire.WatchEntry{}
	for _, e := range all {
		v = max(v, e.Version)
		if !e.Ended {
			cur[e.ID] = e.WatchEntry
		}
	}
	if v == 0 {
		return nil // nothing was ever listed: units keep running without a roster
	}
	if s.published == nil {
		if err := s.loadPublished(ctx); err != nil {
			return err
		}
	}
	s.head++
	s.base, s.seen, s.current, s.deltas = s.head, v, cur, nil
	s.snapshot = slices.SortedFunc(maps.Values(cur), func(a, b wire.WatchEntry) int { return cmp.Compare(a.ID, b.ID) })
	return s.send(ctx)
}

// loadPublished learns what an earlier run left retained, to clear it,
// and the version of its head, to go on from: a unit never takes a head
// older than the one it holds.
func (s *Service) loadPublished(ctx context.Context) error {
	p, err := s.store.WatchPushed(ctx)
	if err != nil {
		return err
	}
	s.published = map[string][]byte{}
	for _, n := range p.Names {
		s.published[n] = nil
	}
	if len(p.Head) > 0 {
		h, err := wire.DecodeWatchHead(p.Head)
		if err != nil {
			return fmt.Errorf("roster: the last head published: %w", err)
		}
		s.head = max(s.head, h.Version)
	}
	return nil
}

// send builds, signs and publishes the tree at s.head: new parts first,
// then the head, then clears what it no longer names, and records it.
func (s *Service) send(ctx context.Context) error {
	tree, err := wire.BuildWatch(s.head, s.base, s.snapshot, s.deltas, len(s.current), s.now(), "kakou-cloud")
	if err != nil {
		return fmt.Errorf("roster: version %d: %w", s.head, err)
	}
	if s.key != nil {
		wire.SignWatch(&tree.Head, s.key)
	}
	head, err := json.Marshal(tree.Head)
	if err != nil {
		return err
	}
	sent := 0
	for _, n := range slices.Sorted(maps.Keys(tree.Parts)) {
		b := tree.Parts[n]
		if old, ok := s.published[n]; ok && string(old) == string(b) {
			continue // retained already: the snapshot under a delta
		}
		if err := s.pub.PublishRetained(ctx, wire.WatchTopic(n), b); err != nil {
			s.base = 0 // start afresh next time: which parts went out is not known
			s.published[n] = nil
			return fmt.Errorf("roster: part %s: %w", n, err)
		}
		sent++
	}
	if err := s.pub.PublishRetained(ctx, wire.WatchTopic(wire.WatchHeadName), head); err != nil {
		s.base = 0
		return fmt.Errorf("roster: head %d: %w", s.head, err)
	}
	var errs []error
	for n := range s.published {
		if _, ok := tree.Parts[n]; !ok {
			errs = append(errs, s.pub.PublishRetained(ctx, wire.WatchTopic(n), nil))
		}
	}
	s.published = tree.Parts
	names := slices.Sorted(maps.Keys(tree.Parts))
	errs = append(errs, s.store.PutWatchPushed(ctx, store.WatchPush{Head: head, Names: names}))
	s.log.Info("watch roster published", "version", s.head, "base", s.base, "people", len(s.current),
		"parts", len(tree.Parts), "sent", sent, "deltas", len(s.deltas))
	return errors.Join(errs...)
}

// Run publishes whatever changed (here or through another collector's
// store) every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.Publish(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("watch roster publication failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Version is the roster version last published (0: none yet).
func (s *Service) Version() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head
}

// List returns the entries q selects (the API's listing).
func (s *Service) List(ctx context.Context, q store.WatchQuery) ([]Entry, error) {
	return s.store.WatchEntries(ctx, q)
}
