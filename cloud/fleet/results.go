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

// Test results recorded at the centre (store.TestResult) go to the units
// of every site that holds the person they name for sampling, as a signed
// wire.ResultPush retained on each unit's own results topic, so a unit
// that is offline when the result is recorded releases the person when it
// next connects. Each push lists the recent results that name someone the
// site holds, at most wire.MaxResults, and its version is the store's
// seq of the newest result recorded, so every recording makes the next
// push newer than the last. It is signed with the policy key, under the
// results' own label.
//
// A positive result releases nobody: it raises a test_positive alert
// (high) for each pending hold of the person. A reconciler sends again
// what a unit has not had: a hold that reached the centre after its
// result (a backlog), a unit first heard of later, a collector restarted.

// ResultStore is what the results publisher reads and writes.
type ResultStore interface {
	Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error)
	store.HoldReader
	store.ResultStore
	RaiseAlert(ctx context.Context, a store.Alert) (bool, error)
}

// Results stores, alerts and publishes test results.
type Results struct {
	store ResultStore
	pub   Publisher
	log   *slog.Logger
	now   func() time.Time
	key   ed25519.PrivateKey
	// within reports whether site lies in region scope ("" everywhere).
	within func(scope, site string) bool

	mu   sync.Mutex
	sent map[store.UnitID]uint64 // the push version last published to each unit
}

// NewResults returns a results publisher. within says whether a site is
// in a region; nil: there are no regions, every scope is everywhere.
func NewResults(st ResultStore, pub Publisher, within func(scope, site string) bool, log *slog.Logger) *Results {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if within == nil {
		within = func(string, string) bool { return true }
	}
	return &Results{store: st, pub: pub, log: log.With("component", "results"), now: time.Now,
		within: within, sent: map[store.UnitID]uint64{}}
}

// WithClock makes r read the time from now (a test's pinned clock, the
// collector's own); time.Now unless called.
func (r *Results) WithClock(now func() time.Time) *Results {
	r.now = now
	return r
}

// SignWith makes r sign every push with key from now on.
func (r *Results) SignWith(key ed25519.PrivateKey) { r.key = key }

// Recorded is what recording a result did.
type Recorded struct {
	Result store.TestResult
	New    bool // false: the id was recorded before; nothing changed
	// Holds are the pending holds in the result's scope that name the
	// person: the sites it went to, or the alerts a positive one raised.
	Holds []store.HoldRow
}

// Record stores res, raises an alert per pending hold a positive result
// names, and publishes to the sites holding the person.
func (r *Results) Record(ctx context.Context, res store.TestResult) (Recorded, error) {
	got, isNew, err := r.store.PutResult(ctx, res)
	if err != nil {
		return Recorded{}, err
	}
	out := Recorded{Result: got, New: isNew}
	pending, err := r.pending(ctx)
	if err != nil {
		return out, err
	}
	for _, h := range pending {
		if h.Names(got.Result) && r.within(got.Scope, h.Site) {
			out.Holds = append(out.Holds, h)
		}
	}
	if got.Result.Result == wire.ResultPositive {
		return out, r.alert(ctx, got, out.Holds)
	}
	return out, r.publish(ctx, pending, true)
}

func (r *Results) alert(ctx context.Context, res store.TestResult, holds []store.HoldRow) error {
	var errs []error
	for _, h := range holds {
		_, err := r.store.RaiseAlert(ctx, store.Alert{ID: "positive-" + res.Result.ID + "/" + h.EntryID,
			Site: h.Site, Unit: h.Unit, Kind: store.KindTestPositive, RaisedAt: r.now(), EntryID: h.EntryID,
			Detail: fmt.Sprintf("核酸结果阳性，待采样人员未放行 (sampled %s, recorded by %s)",
				res.Result.SampledAt.UTC().Format(time.RFC3339), res.By)})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// pending is every pending hold begun within the hold window.
func (r *Results) pending(ctx context.Context) ([]store.HoldRow, error) {
	rows, err := store.Holds(ctx, r.store, "", r.now().Add(-store.HoldWindow))
	if err != nil {
		return nil, err
	}
	var out []store.HoldRow
	for _, h := range rows {
		if h.Pending() {
			out = append(out, h)
		}
	}
	return out, nil
}

// Reconcile sends each unit of a site with pending holds the push it has
// not had yet. Without a recent result there is nothing to send, and the
// holds (a closed community's four weeks of them) are not read.
func (r *Results) Reconcile(ctx context.Context) error {
	recent, err := r.store.Results(ctx, r.now().Add(-store.HoldWindow))
	if err != nil || len(recent) == 0 {
		return err
	}
	pending, err := r.pending(ctx)
	if err != nil {
		return err
	}
	return r.publish(ctx, pending, false)
}

// publish sends every unit of each site with pending holds the negative
// results that name someone held there.
func (r *Results) publish(ctx context.Context, pending []store.HoldRow, always bool) error {
	if len(pending) == 0 {
		return nil
	}
	results, err := r.store.Results(ctx, r.now().Add(-store.HoldWindow))
	if err != nil || len(results) == 0 {
		return err
	}
	version := results[len(results)-1].Seq
	bySite := map[string][]wire.TestResult{}
	for i := len(results) - 1; i >= 0; i-- { // newest first, so a full push keeps the newest
		res := results[i]
		if res.Result.Result != wire.ResultNegative {
			continue
		}
		for _, site := range sitesNamed(pending, res, r.within) {
			if len(bySite[site]) < wire.MaxResults {
				bySite[site] = append(bySite[site], res.Result)
			}
		}
	}
	units, err := r.store.Units(ctx, r.now())
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range units {
		if rs := bySite[u.Site]; len(rs) > 0 && u.Role != wire.RoleGateway {
			errs = append(errs, r.send(ctx, u, version, rs, always))
		}
	}
	return errors.Join(errs...)
}

// sitesNamed are the sites, in res's scope, holding someone res names.
func sitesNamed(pending []store.HoldRow, res store.TestResult, within func(string, string) bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, h := range pending {
		if !seen[h.Site] && h.Names(res.Result) && within(res.Scope, h.Site) {
			seen[h.Site] = true
			out = append(out, h.Site)
		}
	}
	return out
}

func (r *Results) send(ctx context.Context, u store.Unit, version uint64, rs []wire.TestResult, always bool) error {
	id := store.UnitID{Site: u.Site, Unit: u.ID}
	r.mu.Lock()
	done := r.sent[id] >= version
	r.mu.Unlock()
	if done && !always {
		return nil
	}
	p := wire.ResultPush{Schema: wire.SchemaVersion, Site: u.Site, Unit: u.ID, Version: version,
		IssuedAt: r.now().UTC(), Results: rs}
	if r.key != nil {
		wire.SignResults(&p, r.key)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := r.pub.PublishRetained(ctx, wire.ResultsTopic(u.Site, u.ID), b); err != nil {
		return fmt.Errorf("fleet: results %d to %s/%s: %w", version, u.Site, u.ID, err)
	}
	r.mu.Lock()
	r.sent[id] = version
	r.mu.Unlock()
	r.log.Info("test results pushed", "site", u.Site, "unit", u.ID, "version", version, "results", len(rs))
	return nil
}

// Run reconciles every interval until ctx ends.
func (r *Results) Run(ctx context.Context, every time.Duration) {
	ReconcileEvery(ctx, every, r.Reconcile, r.log, "test results reconcile")
}
