package uplink

import (
	"context"
	"errors"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre pushes the roster of guards who may sign in at the console,
// retained on wire.GuardsTopic. As with policies the uplink only receives
// it: it decodes each roster, drops one meant for another unit and hands
// the rest to Options.OnGuards, on a goroutine of its own (the unit
// verifies the signature and writes the roster to the card). Only the
// latest roster waiting is kept: a newer one says all an older one did.

// subscribeGuards asks for this unit's roster on this connection. A broker
// that refuses it costs the roster, not the connection: the console keeps
// the roster it has, and entries matter more.
func (u *Uplink) subscribeGuards(ctx context.Context, c *delivery.Link) error {
	if u.opts.OnGuards == nil {
		return nil
	}
	topic := wire.GuardsTopic(u.opts.Status.Site, u.opts.Status.Unit)
	err := c.Listen(ctx, topic, wire.QoSGuards, u.onGuards, u.t.puback)
	switch {
	case errors.Is(err, delivery.ErrRefused):
		u.log.Error("uplink: the broker refused the guard roster subscription (check its ACL): "+
			"guards added or PINs reset at the centre will not reach this console", "topic", topic)
	case err != nil:
		return fmt.Errorf("uplink: %w", err)
	}
	return nil
}

// onGuards runs on paho's goroutine, so it only decodes, checks the
// addressee and leaves the roster for deliverGuards.
func (u *Uplink) onGuards(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) == 0 {
		return // the centre cleared the retained roster: keep the one held
	}
	r, err := wire.DecodeGuardRoster(m.Payload())
	if err == nil && (r.Site != u.opts.Status.Site || r.Unit != u.opts.Status.Unit) {
		err = fmt.Errorf("roster addressed to %s/%s, not to this unit", r.Site, r.Unit)
	}
	if err != nil {
		u.log.Warn("uplink: ignored a bad guard roster; the console keeps the one it has", "topic", m.Topic(), "err", err)
		return
	}
	u.guards.put(r)
}

// startGuards hands received rosters to OnGuards, the latest first, until
// ctx ends; the returned wait blocks until it has stopped.
func (u *Uplink) startGuards(ctx context.Context) (wait func()) {
	return u.guards.run(ctx, u.opts.OnGuards)
}
