package uplink

import (
	"context"
	"errors"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre pushes the site's staff roster, retained on wire.StaffTopic,
// like the guard roster (guards.go): decoded, checked for its addressee
// and handed to Options.OnStaff on a goroutine of its own, the latest
// only. The status tells the centre the roll-call round the unit is in
// (SetStaffRound), so the centre's roll call knows the round from the
// policy the unit runs.

// staffUplink holds the latest staff roster not yet handed over and the
// round for the status; round is guarded by Uplink.mu.
type staffUplink struct {
	handoff[wire.StaffRoster]
	round *wire.StaffRound
}

// SetStaffRound announces the roll-call round the unit is in (nil: none);
// a change is published at once, as SetDevices does.
func (u *Uplink) SetStaffRound(r *wire.StaffRound) {
	u.mu.Lock()
	old := u.staff.round
	changed := (old == nil) != (r == nil) || old != nil && *old != *r
	u.staff.round = r
	u.statusDirty = u.statusDirty || changed
	u.mu.Unlock()
	if changed {
		u.Notify()
	}
}

func (u *Uplink) subscribeStaff(ctx context.Context, c *delivery.Link) error {
	if u.opts.OnStaff == nil {
		return nil
	}
	topic := wire.StaffTopic(u.opts.Status.Site, u.opts.Status.Unit)
	err := c.Listen(ctx, topic, wire.QoSStaff, u.onStaff, u.t.puback)
	switch {
	case errors.Is(err, delivery.ErrRefused):
		u.log.Error("uplink: the broker refused the staff roster subscription (check its ACL): "+
			"the roll call keeps the roster it has", "topic", topic)
	case err != nil:
		return fmt.Errorf("uplink: %w", err)
	}
	return nil
}

// onStaff runs on paho's goroutine: decode, check the addressee, hand over.
func (u *Uplink) onStaff(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) == 0 {
		return // the centre cleared the retained roster: keep the one held
	}
	r, err := wire.DecodeStaffRoster(m.Payload())
	if err == nil && (r.Site != u.opts.Status.Site || r.Unit != u.opts.Status.Unit) {
		err = fmt.Errorf("staff roster addressed to %s/%s, not to this unit", r.Site, r.Unit)
	}
	if err != nil {
		u.log.Warn("uplink: ignored a bad staff roster; the roll call keeps the one it has", "topic", m.Topic(), "err", err)
		return
	}
	u.staff.put(r)
}

func (u *Uplink) startStaff(ctx context.Context) (wait func()) {
	return u.staff.run(ctx, u.opts.OnStaff)
}
