package policy

import (
	"sync/atomic"
	"time"
)

// Select picks the document in effect at now from a unit's documents
// (docs/product.md "What else the plans ask of a checkpoint": policies
// switch on and off by themselves). Among dated
// documents in effect, the one that took effect last wins — the latest
// central decision — and the first listed of two with the same start. Without a
// synced clock no dates are trusted, and without a dated document in
// effect, the first document with no dates is the fallback. With neither,
// Select returns Default. It is pure: the caller gives the time.
func Select(docs []Policy, now time.Time, clockSynced bool) Policy {
	best := -1
	for i := range docs {
		d := &docs[i]
		if !clockSynced || !d.Dated() || !d.InEffect(now) {
			continue
		}
		if best < 0 || d.EffectiveFrom.After(docs[best].EffectiveFrom) {
			best = i
		}
	}
	if best >= 0 {
		return docs[best]
	}
	for _, d := range docs {
		if !d.Dated() {
			return d
		}
	}
	return Default()
}

// Holder keeps the policy a unit screens with and swaps it when a new
// document arrives. A document that does not parse or validate is
// refused and the previous policy stays (keep-last-good): a bad push from
// the centre must not leave a gate without rules. Current is lock-free, so
// the screening path never waits for an update.
type Holder struct {
	cur atomic.Pointer[Policy]
}

// NewHolder returns a holder with initial as the current policy; a Holder
// must be made with it.
func NewHolder(initial Policy) (*Holder, error) {
	if err := initial.Validate(); err != nil {
		return nil, err
	}
	h := &Holder{}
	h.cur.Store(&initial)
	return h, nil
}

// Current returns the policy in use.
func (h *Holder) Current() Policy { return *h.cur.Load() }

// Update parses doc (TOML or JSON) and makes it current. On error the
// current policy is unchanged and the error names every problem.
func (h *Holder) Update(doc []byte) error {
	p, err := Parse(doc, "update")
	if err != nil {
		return err
	}
	h.cur.Store(&p)
	return nil
}

// Set makes p current if it is valid, as when Select picks another
// document because its dates have come.
func (h *Holder) Set(p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	h.cur.Store(&p)
	return nil
}
