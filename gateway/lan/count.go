package lan

import (
	"context"
	"time"

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

// Correct sets the count to what staff counted, audited with their reason
// and name, and publishes the flows it changes. Entries whose time is
// after the correction move the count from there.
func (s *Server) Correct(ctx context.Context, count int, reason, by string) (store.Correction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.opts.Store.Correct(ctx, store.Correction{Count: count, Previous: s.site.Count(),
		Reason: reason, By: by, At: time.Now().UTC()})
	if err != nil {
		return store.Correction{}, err
	}
	s.correctedAt = c.At
	s.site.SetCount(count)
	s.log.Info("occupancy corrected", "count", count, "previous", c.Previous, "by", by, "reason", reason)
	if err := s.publishFlows(ctx, true); err != nil {
		s.log.Error("flows not published after the correction", "err", err)
	}
	return c, nil
}

// Corrections is the audit trail, newest first.
func (s *Server) Corrections(ctx context.Context, limit int) ([]store.Correction, error) {
	return s.opts.Store.Corrections(ctx, limit)
}
