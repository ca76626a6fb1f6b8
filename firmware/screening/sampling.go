package screening

import (
	"context"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// Holding people for sampling (policy/hold.go; docs/product.md "More from
// the plans": hold, go to the sampling point, released on a negative
// result). Unlike a wait (hold.go), a sampling hold does not stop the
// lane: the person walks to the sampling point and the lane scans the
// next. The pipeline remembers each pending hold by every key the person
// is known by — their pass, and the PersonHash of the ID number and phone
// a registration carries, the keys the centre's results name — so that
//   - a later scan of theirs is decided with Input.PendingHold: held again,
//     or released by a same-day sampling record the policy accepts;
//   - a negative result from the centre (ApplyResults) writes the entry
//     that releases them: decision allow, ReasonReleased, Amends the hold
//     entry, the guard on duty. A positive result releases nobody.
// The hold entry is the record; the pipeline's list is rebuilt from the
// ledger when the unit starts (RestoreHolds).

// maxSamplingHolds bounds the pending holds a lane remembers; past it the
// oldest are let go (the ledger and the centre still have them).
const maxSamplingHolds = 2000

// SamplingHold is one person held for sampling, for the console's panel.
type SamplingHold struct {
	Entry    wire.Entry  `json:"entry"` // the first hold entry
	Since    time.Time   `json:"since"`
	Released *wire.Entry `json:"released,omitempty"`
	keys     []string
}

// sampling is the lane's holds, newest last, and the pending ones by each
// of their keys, so a scan or a push of results finds a person among two
// thousand holds in a few map reads (BenchmarkApplyAFullResultPush). The
// pipeline's mu guards it.
type sampling struct {
	holds []*SamplingHold
	byKey map[string]*SamplingHold
}

// personKeys are the keys pr is known by.
func personKeys(c wire.Credential, v *wire.Visitor) []string {
	var ks []string
	if k := keyOf(c); k != "" {
		ks = append(ks, k)
	}
	if v != nil && v.IDHash != "" {
		ks = append(ks, "id:"+v.IDHash)
	}
	if v != nil && v.PhoneHash != "" {
		ks = append(ks, "phone:"+v.PhoneHash)
	}
	return ks
}

// resultKeys are the keys a centre's result names.
func resultKeys(r wire.TestResult) []string {
	var ks []string
	if r.Pass != "" {
		ks = append(ks, string(wire.CredentialResidentPass)+":"+r.Pass)
	}
	if r.IDHash != "" {
		ks = append(ks, "id:"+r.IDHash)
	}
	if r.PhoneHash != "" {
		ks = append(ks, "phone:"+r.PhoneHash)
	}
	return ks
}

// pending is the pending hold of anyone known by one of keys, or nil.
func (s *sampling) pending(keys []string) *SamplingHold {
	for _, k := range keys {
		if h := s.byKey[k]; h != nil {
			return h
		}
	}
	return nil
}

// release marks h released by e and forgets its keys.
func (s *sampling) release(h *SamplingHold, e wire.Entry) {
	h.Released = &e
	for _, k := range h.keys {
		if s.byKey[k] == h {
			delete(s.byKey, k)
		}
	}
}

// note follows an entry just logged: a hold starts a pending hold unless
// one is pending already (the first hold entry is the one a release
// amends), a release ends it.
func (s *sampling) note(e wire.Entry, keys []string, since time.Time) {
	if e.Lane != wire.LaneIn || e.Record != nil {
		return
	}
	h := s.pending(keys)
	switch {
	case e.Decision == wire.Hold && h == nil && len(keys) > 0:
		h = &SamplingHold{Entry: e, Since: since, keys: keys}
		s.holds = append(s.holds, h)
		if s.byKey == nil {
			s.byKey = map[string]*SamplingHold{}
		}
		for _, k := range keys {
			s.byKey[k] = h
		}
		if len(s.holds) > maxSamplingHolds {
			old := s.holds[0]
			s.release(old, wire.Entry{}) // let go: the ledger and the centre still have it
			old.Released = nil
			s.holds = slices.Delete(s.holds, 0, 1)
		}
	case h != nil && e.Decision == wire.Allow && hasReason(e.Reasons, wire.ReasonReleased):
		s.release(h, e)
	}
}

// maxReleasedShown bounds the released holds the console lists.
const maxReleasedShown = 50

// SamplingHolds returns the lane's holds, newest first: every pending one
// and the latest released ones.
func (p *Pipeline) SamplingHolds() []SamplingHold {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []SamplingHold
	released := 0
	for i := len(p.sampling.holds) - 1; i >= 0; i-- {
		h := p.sampling.holds[i]
		if h.Released != nil {
			if released++; released > maxReleasedShown {
				continue
			}
		}
		out = append(out, *h)
	}
	return out
}

// releasing is the hold entry a decision for pr releases, or "".
func (p *Pipeline) releasing(pr *person, d policy.Decision) string {
	if d.Outcome != wire.Allow || !hasReason(d.Reasons, wire.ReasonReleased) {
		return ""
	}
	if h := p.sampling.pending(pr.keys()); h != nil {
		return h.Entry.ID
	}
	return ""
}

// recallHoldLocked tells the policy whether pr is held for sampling, and
// gives a held person who scanned again the registration their hold
// carries: they registered once, and the guard need not do it again.
// Callers hold mu.
func (p *Pipeline) recallHoldLocked(pr *person) {
	h := p.sampling.pending(pr.keys())
	pr.in.PendingHold = h != nil
	if h == nil || pr.visitor != nil || h.Entry.Visitor == nil {
		return
	}
	pr.visitor, pr.in.Registered = h.Entry.Visitor, true
	pr.returnee, pr.in.Returnee = h.Entry.Returnee, h.Entry.Returnee != nil
}

func (pr *person) keys() []string { return personKeys(pr.in.Credential.Wire, pr.visitor) }

// ApplyResults releases every pending hold a negative result names,
// sampled no earlier than the day the person was held (an older test is
// what sent them to be sampled). Each release is an entry of this lane.
// A result applied once changes nothing the second time: its hold is no
// longer pending. It returns the releases written.
func (p *Pipeline) ApplyResults(ctx context.Context, rs []wire.TestResult) ([]wire.Entry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []wire.Entry
	for _, r := range rs {
		if r.Result != wire.ResultNegative {
			continue
		}
		h := p.sampling.pending(resultKeys(r))
		if h == nil || !sampledForHold(r.SampledAt, h.Entry) {
			continue
		}
		e, err := p.releaseHoldLocked(ctx, h)
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// sampledForHold: a result counts for a hold if it was sampled on the
// hold's day or later. A hold made with an unsynced clock takes any
// result the centre sends (the centre only sends recent ones).
func sampledForHold(at time.Time, hold wire.Entry) bool {
	if !hold.ClockSynced {
		return true
	}
	t := hold.Time
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	return !at.Before(day)
}

// releaseLocked writes the entry that releases h's person. Callers hold mu.
func (p *Pipeline) releaseHoldLocked(ctx context.Context, h *SamplingHold) (wire.Entry, error) {
	now, synced := p.opts.Now()
	held := h.Entry
	e := wire.Entry{
		Schema: wire.SchemaVersion, ID: p.opts.NewID(),
		Site: p.opts.Site, Unit: p.opts.Unit, BootID: p.opts.BootID, Lane: wire.LaneIn,
		Time: now, ClockSynced: synced, Credential: held.Credential, Decision: wire.Allow,
		Reasons:       []wire.Reason{policy.ReasonReleased},
		PolicyVersion: p.opts.Policy().Version, Visitor: held.Visitor, Returnee: held.Returnee,
		Guard: p.opts.OnDuty(), Amends: held.ID,
	}
	if err := p.ledger.Append(ctx, &e); err != nil {
		return wire.Entry{}, err
	}
	p.sampling.release(h, e)
	p.admitted.add(e.Seq)
	p.opts.Logger.Info("released a person held for sampling on a negative result", "hold", held.ID, "seq", e.Seq)
	p.opts.Decided(e)
	return e, nil
}

// RestoreHolds gives a restarted lane the holds its ledger records: the
// hold entries, oldest first, and the entries that released any of them.
func (p *Pipeline) RestoreHolds(holds, releases []wire.Entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range holds {
		p.sampling.note(e, personKeys(e.Credential, e.Visitor), e.Time)
	}
	byID := make(map[string]*SamplingHold, len(p.sampling.holds))
	for _, h := range p.sampling.holds {
		byID[h.Entry.ID] = h
	}
	for _, r := range releases {
		if h := byID[r.Amends]; h != nil && h.Released == nil {
			p.sampling.release(h, r)
		}
	}
}
