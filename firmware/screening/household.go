package screening

import (
	"context"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// One pass per household (一户一卡; the rule is policy.HouseholdCheck, the
// window wire.HouseholdWindow). When a household pass is scanned at the
// quota's counting lane, the pipeline gathers the household's uses for the
// policy:
//
//   - a lone unit counts from its own ledger (HouseholdLedger), which
//     keeps them across a reboot;
//   - behind a site gateway, the gateway's latest wire.Households gives
//     the uses of every lane of the site it has stored, and the lane adds
//     its own uses with a seq above the message's AfterSeq (those the
//     gateway has not stored yet), dropping its own made before a reset the
//     gateway knows of. So the lane keeps counting when it is cut off from
//     the gateway, and the gateway when its uplink to the cloud is cut.
//
// Two lanes scanning the same copied pass within the moment it takes the
// gateway to hear of one and tell the other both let it out: the gateway
// and the centre count both uses and flag the overuse (gateway/README.md
// "Household quotas").

// HouseholdLedger is the ledger's household count (*ledger.Ledger), given
// as Options.Households; without one the quota is not applied.
type HouseholdLedger interface {
	HouseholdUses(ctx context.Context, household string, afterSeq uint64, now time.Time, synced bool, period time.Duration) ([]wire.HouseholdUse, time.Time, error)
}

// SetHouseholds takes a gateway's households message for this lane and
// reports whether it did: one not newer than the one held changes nothing.
func (p *Pipeline) SetHouseholds(h wire.Households) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.households != nil && h.Seq <= p.households.Seq {
		return false
	}
	p.households = &h
	return true
}

// householdLocked gathers the uses of in's household, or nil when the
// quota does not apply or they cannot be read (logged: the person is
// screened without the quota rather than held at the gate by a disk
// error). Callers hold mu.
func (p *Pipeline) householdLocked(in policy.Input) *policy.HouseholdUses {
	h := p.opts.Policy().Checks.Household
	if !h.Counts(p.opts.Lane, in.Credential) {
		return nil
	}
	hl := p.opts.Households
	if hl == nil {
		return nil
	}
	id := in.Credential.Household
	var after uint64
	var site []wire.HouseholdUse
	var reset time.Time
	if g := p.households; g != nil {
		after = g.AfterSeq
		if u, ok := g.Usage(id); ok {
			site = u.Uses
			if u.Reset != nil {
				reset = *u.Reset
			}
		}
	}
	own, end, err := hl.HouseholdUses(context.Background(), id, after, in.Now, in.ClockSynced, h.PeriodDuration())
	if err != nil {
		p.opts.Logger.Error("household uses not read; screened without the household quota", "household", id, "err", err)
		return nil
	}
	uses := append([]wire.HouseholdUse(nil), site...)
	for _, u := range own {
		if reset.IsZero() || u.At.After(reset) {
			uses = append(uses, u)
		}
	}
	return &policy.HouseholdUses{Uses: uses, Now: end}
}

// SiteHouseholds is the gateway's latest households message, and whether
// the lane holds one (none: a lone unit, or no word from the gateway yet).
func (p *Pipeline) SiteHouseholds() (wire.Households, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.households == nil {
		return wire.Households{}, false
	}
	return *p.households, true
}
