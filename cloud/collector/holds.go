package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Holds for sampling and returnees (docs/product.md "More from the plans",
// "People treated differently"). The collector runs the results publisher
// (fleet.Results) the API records through, and a sweep that joins each
// returnee registered at a gate to the centre's roster with the schedule
// their origin requires ([[returnees]]), through RosterAdder.

// returneesEvery is how often returnees are joined to the roster.
var returneesEvery = time.Minute

// RosterAdder joins a returnee to the centre's roster of people in home
// quarantine or health monitoring. It must be idempotent by EntryID: the
// sweep offers an entry again after a restart, and a unit re-sends.
type RosterAdder interface {
	AddReturnee(ctx context.Context, r Returnee) error
}

// Returnee is one returnee registered at a gate, with the rule their
// origin matched. Name and Phone are masked as the unit sent them; the
// hashes are what a gate matches them by.
type Returnee struct {
	EntryID, Site, Unit string
	Name, Phone         string
	IDHash, PhoneHash   string
	Pass                string
	wire.Returnee
	Rule  ReturneeRule
	Until time.Time   // arrival plus the plan's days
	Tests []time.Time // when each test is due
}

// holdsState is the collector's part of holds and returnees.
type holdsState struct {
	results *fleet.Results
	stop    func()
	mu      sync.Mutex
	adder   RosterAdder
	joined  map[string]bool // entry ids handed to adder since start
}

// SetRosterAdder makes the collector join returnees to a; call it before
// Start. Without one, returnees are listed in reports but join no roster.
func (c *Collector) SetRosterAdder(a RosterAdder) {
	c.holds.mu.Lock()
	c.holds.adder = a
	c.holds.mu.Unlock()
}

// startResults runs the results publisher, signed with the policy key,
// and the returnees' sweep.
func (c *Collector) startResults(context.Context) error {
	var within func(scope, site string) bool
	if t := c.cfg.Regions(); t != nil {
		within = func(scope, site string) bool { return scope == "" || t.Within(scope, site) }
	}
	c.holds.results = fleet.NewResults(c.store, c.ingest, within, c.log)
	if err := c.signPush("test results", c.holds.results); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.holds.stop = cancel
	go c.holds.results.Run(ctx, fleetEvery)
	go func() {
		tick := time.NewTicker(returneesEvery)
		defer tick.Stop()
		for {
			if err := c.JoinReturnees(ctx, time.Now()); err != nil && ctx.Err() == nil {
				c.log.Error("returnees not joined to the roster; retrying next minute", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return nil
}

// JoinReturnees offers every returnee registered within the hold window
// and not yet offered to the roster adder, with the rule their origin
// matched. A returnee whose origin no rule matches is logged, not joined.
func (c *Collector) JoinReturnees(ctx context.Context, now time.Time) error {
	c.holds.mu.Lock()
	adder := c.holds.adder
	c.holds.mu.Unlock()
	if adder == nil {
		return nil
	}
	rs, err := c.store.HoldEntries(ctx, "", now.Add(-store.HoldWindow))
	if err != nil {
		return err
	}
	for _, r := range Returnees(rs) {
		c.holds.mu.Lock()
		done := c.holds.joined[r.EntryID]
		c.holds.mu.Unlock()
		if done {
			continue
		}
		rule, ok := MatchReturnee(c.cfg.Returnees, r.Origin)
		if !ok {
			c.log.Warn("returnee's origin matches no [[returnees]] rule; not joined to the roster (add a rule, or one with origin \"*\")",
				"entry", r.EntryID, "site", r.Site, "origin", r.Origin)
			continue
		}
		r.Rule, r.Until, r.Tests = rule, r.Arrived.AddDate(0, 0, rule.PlanDays()), rule.TestTimes(r.Arrived)
		if err := adder.AddReturnee(ctx, r); errors.Is(err, errUnmatchable) {
			c.log.Warn("returnee listed in the reports but not on the roster", "entry", r.EntryID, "site", r.Site, "err", err)
		} else if err != nil {
			return fmt.Errorf("returnee %s: %w", r.EntryID, err)
		}
		c.holds.mu.Lock()
		if c.holds.joined == nil {
			c.holds.joined = map[string]bool{}
		}
		c.holds.joined[r.EntryID] = true
		c.holds.mu.Unlock()
	}
	return nil
}

// returneePlan is the plan a returnee from origin is on by the
// [[returnees]] rules, and when their tests are due (the 11:00 report's
// list).
func (c *Collector) returneePlan(origin string, arrived time.Time) (string, []time.Time) {
	rule, ok := MatchReturnee(c.cfg.Returnees, origin)
	if !ok {
		return "", nil
	}
	return rule.Plan, rule.TestTimes(arrived)
}

// Returnees are the registrations among rs: the first entry of each
// returnee (a re-hold or a release carries the block again and is not a
// new registration), in the order stored.
func Returnees(rs []store.Record) []Returnee {
	var out []Returnee
	for _, r := range rs {
		if !store.IsReturneeRegistration(r) {
			continue
		}
		v := r.Visitor
		ret := Returnee{EntryID: r.ID, Site: r.Site, Unit: r.Unit, Name: v.Name, Phone: v.Phone,
			IDHash: v.IDHash, PhoneHash: v.PhoneHash, Returnee: *r.Returnee}
		if r.Credential.Kind == wire.CredentialResidentPass {
			ret.Pass = r.Credential.Subject
		}
		out = append(out, ret)
	}
	return out
}
