package collector

import (
	"context"

	"github.com/kakou/kakou/cloud/roster"
)

// startWatchRoster runs the centre's watch roster (cloud/roster): the
// people in home quarantine, health monitoring and returnees the API's
// officials keep go to every unit of the fleet, signed with the policy
// key, on the retained topics under kakou/v1/watch. It stops with the
// guard rosters.
func (c *Collector) startWatchRoster(ctx context.Context) error {
	c.watchRoster = roster.New(c.store, c.ingest, c.log)
	if err := c.signPush("watch rosters", c.watchRoster); err != nil {
		return err
	}
	c.runPusher(c.watchRoster.Run)
	c.holds.mu.Lock()
	if c.holds.adder == nil {
		c.holds.adder = watchAdder{c.watchRoster}
	}
	c.holds.mu.Unlock()
	return nil
}
