package lan

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/occupancy"
	"github.com/kakou/kakou/gateway/store"
)

// restore rebuilds the count and every lane's grant from the store, so a
// restarted gateway keeps both the count and the cap.
func (s *Server) restore(ctx context.Context) error {
	capacity, err := s.capacity(ctx)
	if err != nil {
		return err
	}
	c, ok, err := s.opts.Store.LastCorrection(ctx)
	if err != nil {
		return fmt.Errorf("lan: restore: %w", err)
	}
	if ok {
		s.correctedAt, s.last = c.At, &c
	}
	moved, err := s.opts.Store.Movement(ctx, s.correctedAt)
	if err != nil {
		return fmt.Errorf("lan: restore: %w", err)
	}
	s.site = occupancy.New(s.opts.Site, capacity, c.Count+moved)
	if err := s.restoreLanes(ctx); err != nil {
		return fmt.Errorf("lan: restore: %w", err)
	}
	for unit, role := range s.opts.Lanes {
		s.site.SetRole(unit, role)
	}
	return s.restoreHouseholds(ctx)
}

// capacity is the last pushed policy's, else the policy file's.
func (s *Server) capacity(ctx context.Context) (int, error) {
	v, err := s.opts.Store.Setting(ctx, settingCapacity)
	if err != nil {
		return 0, fmt.Errorf("lan: restore capacity: %w", err)
	}
	if n, ok := parseCapacity(v); ok {
		return n, nil
	}
	return s.opts.Capacity, nil
}

func (s *Server) restoreLanes(ctx context.Context) error {
	units, err := s.opts.Store.Units(ctx)
	if err != nil {
		return err
	}
	grants, err := s.opts.Store.Grants(ctx)
	if err != nil {
		return err
	}
	for _, u := range units {
		if u.Site != s.opts.Site || u.Unit == s.opts.Gateway {
			continue
		}
		st, err := s.laneState(ctx, u, grants[u.Unit])
		if err != nil {
			return err
		}
		s.site.Restore(st)
	}
	return nil
}

func (s *Server) laneState(ctx context.Context, u store.Unit, g store.Grant) (occupancy.LaneState, error) {
	role, ok := s.opts.Lanes[u.Unit]
	if !ok {
		role = occupancy.Role(u.Lane)
	}
	st := occupancy.LaneState{Unit: u.Unit, Role: role, Watermark: u.Watermark,
		Grant: occupancy.Grant{AfterSeq: g.AfterSeq, Allowance: g.Allowance, Seq: g.FlowSeq}}
	admits, err := s.opts.Store.AdmitsAbove(ctx, u.Unit, g.AfterSeq)
	if err != nil {
		return st, err
	}
	latest, err := s.opts.Store.LatestEntry(ctx, u.Unit)
	if err != nil {
		return st, err
	}
	st.Admits, st.Latest = admits, latest.Seq
	st.Waiting, st.WaitRow = latest.Decision == string(wire.Wait), latest.Row
	return st, nil
}

// republish sends every started unit its ack and every entrance its flow
// again, after a start.
func (s *Server) republish(ctx context.Context) error {
	units, err := s.opts.Store.Units(ctx)
	if err != nil {
		return fmt.Errorf("lan: republish: %w", err)
	}
	for _, u := range units {
		if u.Site == s.opts.Site && u.Started {
			s.publishAck(u.Unit, u.Watermark)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.publishHouseholds(ctx); err != nil {
		return err
	}
	return s.publishFlows(ctx, true)
}

// displayEvery is how often the count shown at the entrances is refreshed
// when nothing but the count changed.
const displayEvery = time.Second

// refreshDisplay publishes count-only flow changes every displayEvery
// until ctx ends.
func (s *Server) refreshDisplay(ctx context.Context) {
	t := time.NewTicker(displayEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		err := s.publishFlows(ctx, true)
		s.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			s.log.Error("flows not published", "err", err)
		}
	}
}

// publishFlows plans the grants, saves them, and only then publishes them:
// a gateway that dies in between restarts knowing every slot it may have
// handed out, and every Flow.Seq it used. display also sends the flows
// whose only change is the count shown (see occupancy Site.Plan). Called
// with mu held.
func (s *Server) publishFlows(ctx context.Context, display bool) error {
	flows := s.site.Plan(time.Now(), display)
	if len(flows) == 0 {
		return nil
	}
	grants := make([]store.Grant, len(flows))
	for i, f := range flows {
		grants[i] = store.Grant{Unit: f.Unit, AfterSeq: f.AfterSeq, Allowance: f.Allowance, FlowSeq: f.Seq}
	}
	if err := s.opts.Store.SaveGrants(ctx, grants); err != nil {
		return fmt.Errorf("lan: flows not published: %w", err)
	}
	for _, f := range flows {
		b, err := json.Marshal(f)
		if err == nil {
			err = s.Publish(wire.FlowTopic(f.Site, f.Unit), b, true)
		}
		if err != nil {
			return err
		}
		s.site.Sent(f)
	}
	return nil
}

// publishAck tells a unit, retained, how far the gateway has stored its
// entries. A failure is logged: the unit re-sends and is acked again.
func (s *Server) publishAck(unit string, seq uint64) {
	b, err := json.Marshal(wire.Ack{Schema: wire.SchemaVersion, Site: s.opts.Site, Unit: unit,
		Seq: seq, Time: time.Now().UTC()})
	if err == nil {
		err = s.Publish(wire.AckTopic(s.opts.Site, unit), b, true)
	}
	if err != nil {
		s.log.Warn("ack not published; the unit will re-send", "unit", unit, "seq", seq, "err", err)
	}
}
