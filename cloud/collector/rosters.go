package collector

import (
	"context"

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
	ctx, cancel := context.WithCancel(context.Background())
	c.stopRosters = cancel
	go c.rosters.Run(ctx, fleetEvery)
	return nil
}

// guardDesk is what the API's guard endpoints use.
func (c *Collector) guardDesk() *api.GuardDesk {
	return &api.GuardDesk{Store: c.store, Publish: c.rosters.Publish}
}
