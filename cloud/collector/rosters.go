package collector

import (
	"context"
	"time"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/fleet"
)

// startRosters runs the guard rosters' publisher (fleet.Rosters): the
// guards a site's manager keeps through the API go, signed with the
// policy key, to every unit of the site. It runs with or without a
// policies folder; it shares fleetEvery and stops with the fleet.
func (c *Collector) startRosters(context.Context) error {
	c.rosters = fleet.NewRosters(c.store, c.ingest, c.log)
	if err := c.signPush("guard rosters", c.rosters); err != nil {
		return err
	}
	c.runPusher(c.rosters.Run)
	return nil
}

// runPusher runs one of the centre's publishers every fleetEvery until
// the collector closes; every publisher stops with the guard rosters.
func (c *Collector) runPusher(run func(context.Context, time.Duration)) {
	ctx, cancel := context.WithCancel(context.Background())
	prev := c.stopRosters
	c.stopRosters = func() {
		cancel()
		if prev != nil {
			prev()
		}
	}
	go run(ctx, fleetEvery)
}

// guardDesk is what the API's guard endpoints use.
func (c *Collector) guardDesk() *api.GuardDesk {
	return &api.GuardDesk{Store: c.store, Publish: c.rosters.Publish}
}
