package screening

import (
	"context"
	"fmt"
	"slices"

	"github.com/kakou/kakou/firmware/wire"
)

// Flow limiting (限流) at a site with a gateway. The gateway grants each
// entrance lane an allowance: the lane may admit people while its own
// admissions (lane "in", decision "allow") with a seq above the flow's
// AfterSeq number fewer than Allowance (see wire.Flow). The pipeline holds
// the latest flow and counts those admissions itself, from the entries it
// appends; after a restart it reads them back from the ledger. The policy
// then sees Capacity = the flow's capacity and Occupancy = capacity − what
// is left of the grant, so its capacity check makes the person wait
// exactly when the grant is used up, and the cap holds with several doors
// and no round trip to the gateway per person. (A policy whose own
// checks.capacity.max is below the gateway's capacity makes people wait
// earlier: the check takes the lower of the two.)
//
// A lane with no flow (no gateway: a unit connected straight to the
// cloud), an exit lane, and a flow with capacity 0 (no cap) give the
// policy no count at all, as before. An entrance told it is behind a
// gateway (Options.AwaitFlow) but holding no flow yet counts as full: the
// person waits, and the gateway's first flow releases them.
//
// The flow, the admissions and the decisions are all under Pipeline.mu, so
// a flow arriving while a person is being decided either counts that
// person's admission or comes after it, never half of each.

// admissions are this lane's admissions with a seq above after. known is
// false until they have been read from the ledger, and again while the
// gateway sets no cap (nothing needs counting then).
type admissions struct {
	known bool
	after uint64
	seqs  []uint64 // ascending
}

// advance moves the count to a new AfterSeq. The gateway's AfterSeq only
// grows; one that went back (a gateway that lost its store) is read again
// from the ledger, as is the first after a restart.
func (a *admissions) advance(ctx context.Context, l Ledger, after uint64) error {
	if a.known && after >= a.after {
		i, _ := slices.BinarySearch(a.seqs, after+1)
		a.seqs = slices.Clone(a.seqs[i:]) // drop the paid-for prefix, not just hide it
		a.after = after
		return nil
	}
	seqs, err := l.Admissions(ctx, after)
	if err != nil {
		return err
	}
	a.known, a.after, a.seqs = true, after, seqs
	return nil
}

// add counts an admission just appended.
func (a *admissions) add(seq uint64) {
	if a.known && seq > a.after {
		a.seqs = append(a.seqs, seq)
	}
}

// SetFlow takes a gateway's flow for this lane and reports whether it did.
// A flow not newer than the one held (the retained flow arriving again on
// a reconnect) and any flow on an exit lane change nothing. If someone is
// held and the new grant leaves room, they are decided again and, if
// admitted, logged with "admitted after waiting". An error reading the
// ledger leaves the old flow in force; one logging the released person
// leaves them held under the new flow.
func (p *Pipeline) SetFlow(ctx context.Context, f wire.Flow) (taken bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.opts.Lane != wire.LaneIn {
		return false, nil // exits are never limited
	}
	if p.flow != nil && f.Seq <= p.flow.Seq {
		return false, nil
	}
	if f.Capacity == 0 {
		p.admitted = admissions{}
	} else if err := p.admitted.advance(ctx, p.ledger, f.AfterSeq); err != nil {
		return false, fmt.Errorf("screening: flow %d: count admissions: %w", f.Seq, err)
	}
	p.flow = &f
	return true, p.releaseLocked(ctx)
}

// Count is where the lane stands against the site's cap, for the guard.
type Count struct {
	Occupancy int `json:"occupancy"` // people inside, as the gateway counts them
	Capacity  int `json:"capacity"`  // 0: no cap
	Waiting   int `json:"waiting"`   // people held at the site's entrances
	Remaining int `json:"remaining"` // this lane may admit so many more
}

// Count returns the lane's count, or nil when no gateway sends one.
func (p *Pipeline) Count() *Count {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.flow
	if f == nil {
		return nil
	}
	return &Count{Occupancy: f.Occupancy, Capacity: f.Capacity, Waiting: f.Waiting, Remaining: p.remainingLocked()}
}

// remainingLocked is what is left of the grant. Callers hold mu and a flow.
func (p *Pipeline) remainingLocked() int {
	return max(0, p.flow.Allowance-len(p.admitted.seqs))
}

// occupancyLocked is the count the policy's capacity check sees: nil, nil
// without a capped flow. Callers hold mu.
func (p *Pipeline) occupancyLocked() (occupancy, capacity *int) {
	f := p.flow
	if f == nil && p.opts.AwaitFlow && p.opts.Lane == wire.LaneIn {
		full := 1
		return &full, &full
	}
	if f == nil || f.Capacity == 0 || p.opts.Lane != wire.LaneIn {
		return nil, nil
	}
	occ, limit := f.Capacity-p.remainingLocked(), f.Capacity
	return &occ, &limit
}
