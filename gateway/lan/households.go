package lan

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/household"
	"github.com/kakou/kakou/gateway/store"
)

// One pass per household across the site's lanes (gateway/household): the
// gateway counts every household use and record it stores and publishes,
// retained, each lane's wire.Households, as it publishes flows. The LAN is
// all it needs: with the uplink to the cloud cut, the lanes keep counting
// each other's uses through it.

// restoreHouseholds rebuilds the count from the store at start.
func (s *Server) restoreHouseholds(ctx context.Context) error {
	now := time.Now()
	s.households = household.New(s.opts.Site, uint64(now.UnixMilli()))
	rows, err := s.opts.Store.HouseholdRows(ctx, now.Add(-wire.MaxHouseholdPeriod*time.Second))
	if err != nil {
		return fmt.Errorf("lan: restore households: %w", err)
	}
	for _, r := range rows {
		s.households.Observe(r)
	}
	return nil
}

// observeHousehold counts e if it is a household use or record and, if
// so, publishes every lane's households. ts is the gateway's time for e.
// Called with mu held.
func (s *Server) observeHousehold(ctx context.Context, e wire.Entry, ts time.Time) {
	r, ok := store.HouseholdRow(e, ts)
	if !ok {
		return
	}
	if o := s.households.Observe(r); o != nil {
		// Two lanes let a copied pass through within the moment it took
		// the gateway to tell them, or a lane cut off from the gateway
		// counted alone: the centre's count flags it too and alerts.
		s.log.Warn("household over its allowance", "household", o.Household, "used", o.Used,
			"allowance", o.Allowance, "unit", e.Unit, "seq", e.Seq)
	}
	if err := s.publishHouseholds(ctx); err != nil {
		s.log.Error("household uses not published", "err", err)
	}
}

// publishHouseholds sends every unit of the site its households message,
// retained. Called with mu held.
func (s *Server) publishHouseholds(ctx context.Context) error {
	units, err := s.opts.Store.Units(ctx)
	if err != nil {
		return fmt.Errorf("lan: households: %w", err)
	}
	now := time.Now()
	for _, u := range units {
		if u.Site != s.opts.Site || u.Unit == s.opts.Gateway {
			continue
		}
		b, err := json.Marshal(s.households.Message(u.Unit, u.Watermark, now))
		if err == nil {
			err = s.Publish(wire.HouseholdsTopic(s.opts.Site, u.Unit), b, true)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// publishHouseholdsTo sends one lane its households message. A lane the
// gateway had not yet heard of when a use was published got no message
// then; it must hear of the uses as soon as it is online, not at the next
// use somewhere else. Called with mu held.
func (s *Server) publishHouseholdsTo(unit string, watermark uint64) error {
	if s.households == nil {
		return nil
	}
	b, err := json.Marshal(s.households.Message(unit, watermark, time.Now()))
	if err != nil {
		return err
	}
	return s.Publish(wire.HouseholdsTopic(s.opts.Site, unit), b, true)
}

// HouseholdUse is one household's standing, for the gateway page.
type HouseholdUse struct {
	Household string     `json:"household"`
	Used      int        `json:"used"`
	Allowance int        `json:"allowance"`
	NextAt    *time.Time `json:"next_at,omitempty"`
}

// Household is where household stands now.
func (s *Server) Household(household string) HouseholdUse {
	s.mu.Lock()
	defer s.mu.Unlock()
	used, allowance, next := s.households.Used(household, time.Now())
	h := HouseholdUse{Household: household, Used: used, Allowance: allowance}
	if !next.IsZero() {
		h.NextAt = &next
	}
	return h
}

// ChangeHousehold resets or adjusts a household's count for the signed-in
// manager, with a reason: the record goes to the centre exactly once
// (store.HouseholdChange), and every lane hears of it at once.
func (s *Server) ChangeHousehold(ctx context.Context, c wire.HouseholdChange, by Manager) (wire.Entry, error) {
	s.mu.Lock()
	now := time.Now().UTC()
	e, rec, err := s.opts.Store.HouseholdChange(ctx, c, by.ID, by.Name, s.opts.Site, s.opts.Gateway, now)
	if err != nil {
		s.mu.Unlock()
		return wire.Entry{}, err
	}
	s.log.Info("household count changed", "household", c.Household, "action", c.Action, "delta", c.Delta,
		"by", by.ID, "reason", c.Reason)
	s.observeHousehold(ctx, e, now)
	s.mu.Unlock()
	if s.opts.OnStored != nil { // never called with mu held: see Server
		s.opts.OnStored(rec)
	}
	return e, nil
}
