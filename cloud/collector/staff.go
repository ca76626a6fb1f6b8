package collector

import (
	"context"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/staff"
)

// startStaff runs the staff rosters' publisher (staff.Pusher): the roster
// a site's manager imports through the API goes, signed with the policy
// key, to every unit of the site. It stops with the guard rosters.
func (c *Collector) startStaff(context.Context) error {
	st, ok := c.store.(staff.Store)
	if !ok {
		return nil // a store without staff rosters: the roll call is off
	}
	c.staff = staff.NewPusher(st, c.ingest, c.log)
	if err := c.signPush("staff rosters", c.staff); err != nil {
		return err
	}
	c.runPusher(c.staff.Run)
	return nil
}

// staffDesk is what the API's staff endpoints use; nil when off.
func (c *Collector) staffDesk() *api.StaffDesk {
	st, ok := c.store.(staff.Store)
	if !ok || c.staff == nil {
		return nil
	}
	return &api.StaffDesk{Store: st, Publish: c.staff.Publish}
}
