package lan

import (
	"context"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/occupancy"
	"github.com/kakou/kakou/gateway/store"
)

// Occupancy is the site's count as the gateway sees it now.
type Occupancy struct {
	Site        string `json:"site"`
	Occupancy   int    `json:"occupancy"`
	Capacity    int    `json:"capacity"`    // 0: no cap
	Waiting     int    `json:"waiting"`     // entrances holding someone
	Outstanding int    `json:"outstanding"` // slots granted to entrances, not yet used
}

// Occupancy returns the current count.
func (s *Server) Occupancy() Occupancy {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Occupancy{Site: s.opts.Site, Occupancy: s.site.Count(), Capacity: s.site.Capacity(),
		Waiting: s.site.Waiting(), Outstanding: s.site.Outstanding()}
}

// SiteOccupancy is the count as the gateway's status carries it to the
// centre, with the newest correction, taken now.
func (s *Server) SiteOccupancy() *wire.SiteOccupancy {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &wire.SiteOccupancy{Inside: s.site.Count(), Capacity: s.site.Capacity(),
		Waiting: s.site.Waiting(), AsOf: time.Now().UTC()}
	if c := s.last; c != nil && c.ByID != "" { // a retention baseline is no one's correction
		o.LastCorrection = &wire.OccupancyCorrection{Count: c.Count, Previous: c.Previous,
			Reason: c.Reason, By: c.ByID, ByName: c.By, At: c.At}
	}
	return o
}

// Manager is the signed-in site manager who makes a correction.
type Manager struct {
	ID   string // the manager's id in the gateway's [[managers]]
	Name string // what the audit trail shows
}

// Correct sets the count to what staff counted, audited with their reason
// and the signed-in manager, and publishes the flows it changes. Entries
// whose time is after the correction move the count from there. The
// correction is also stored as a record for the centre and handed to
// OnStored, so it goes up like any entry.
func (s *Server) Correct(ctx context.Context, count int, reason string, by Manager) (store.Correction, error) {
	s.mu.Lock()
	c, rec, err := s.opts.Store.CorrectAndRecord(ctx, store.Correction{Count: count, Previous: s.site.Count(),
		Reason: reason, By: by.Name, ByID: by.ID, At: time.Now().UTC()}, s.opts.Site, s.opts.Gateway)
	if err != nil {
		s.mu.Unlock()
		return store.Correction{}, err
	}
	s.correctedAt, s.last = c.At, &c
	s.site.SetCount(count)
	s.log.Info("occupancy corrected", "count", count, "previous", c.Previous, "by", by.ID, "reason", reason)
	if err := s.publishFlows(ctx, true); err != nil {
		s.log.Error("flows not published after the correction", "err", err)
	}
	s.mu.Unlock()
	if s.opts.OnStored != nil { // never called with mu held: see Server
		s.opts.OnStored(rec)
	}
	return c, nil
}

// Corrections is the audit trail, newest first.
func (s *Server) Corrections(ctx context.Context, limit int) ([]store.Correction, error) {
	return s.opts.Store.Corrections(ctx, limit)
}

// Lanes is every lane's state now, for the entrance staff's page.
func (s *Server) Lanes() []occupancy.LaneView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.site.Lanes()
}
