package screening

import (
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre's roster is matched twice: when a code is scanned (a verified
// pass by id and household, a pre-registration by its hashes and
// destination: credential.Verifier) and when the guard registers a
// visitor, by the hashes of the ID and phone typed in and the destination
// (docs/product.md "More from the plans": a roster of people in home
// quarantine whose pass raises an alert at any gate).

// matchRegisteredLocked looks for a registered visitor on the roster and
// keeps the more severe of that and what the scan found. Callers hold mu.
func (p *Pipeline) matchRegisteredLocked(pr *person) {
	if p.opts.Roster == nil || pr.visitor == nil {
		return
	}
	v := pr.visitor
	q := credential.RosterQuery{IDHash: v.IDHash, PhoneHash: v.PhoneHash, Destination: v.Destination}
	w := p.opts.Roster().Match(q, pr.in.Now, pr.in.ClockSynced)
	pr.in.Credential.Watch = credential.MoreSevere(pr.in.Credential.Watch, w)
}

// watchOf is the entry's record of the roster match the policy applied,
// or nil when there was none or the roster check is off.
func (p *Pipeline) watchOf(in policy.Input) *wire.WatchMatch {
	w := in.Credential.Watch
	if w == nil || p.opts.Policy().Checks.Watch.Mode == policy.Off {
		return nil
	}
	return &wire.WatchMatch{Entry: w.Entry, Kind: w.Kind, By: w.By}
}
