package uplink

import (
	"context"
	"errors"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// A site gateway tells each lane, retained on wire.HouseholdsTopic, the
// uses every household made across the site (一户一卡; the counting rule is
// the doc comment of wire.Households). The uplink decodes each message,
// drops one meant for another unit and hands the rest to
// Options.OnHouseholds through a handoff (handoff.go), so paho's router
// never waits for the lane's lock; only the latest waiting is kept, since
// a newer message lists every use an older one did. A unit connected straight to the cloud never hears one and
// counts from its own ledger.

// subscribeHouseholds asks for this unit's households on this connection;
// a broker that refuses (no gateway) is noted and costs nothing.
func (u *Uplink) subscribeHouseholds(ctx context.Context, c *delivery.Link) error {
	if u.opts.OnHouseholds == nil {
		return nil
	}
	topic := wire.HouseholdsTopic(u.opts.Status.Site, u.opts.Status.Unit)
	err := c.Listen(ctx, topic, wire.QoSFlow, u.onHouseholds, u.t.puback)
	switch {
	case errors.Is(err, delivery.ErrRefused):
		u.log.Info("uplink: the broker refused the households subscription; fine without a site gateway, "+
			"otherwise check its ACL: this lane counts household passes from its own ledger", "topic", topic)
	case err != nil:
		return fmt.Errorf("uplink: %w", err)
	}
	return nil
}

func (u *Uplink) onHouseholds(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) == 0 {
		return
	}
	h, err := wire.DecodeHouseholds(m.Payload())
	if err == nil && (h.Site != u.opts.Status.Site || h.Unit != u.opts.Status.Unit) {
		err = fmt.Errorf("households addressed to %s/%s, not to this unit", h.Site, h.Unit)
	}
	if err != nil {
		u.log.Warn("uplink: ignored a bad households message; the lane keeps the count it holds", "topic", m.Topic(), "err", err)
		return
	}
	u.households.put(h)
}

// startHouseholds hands received messages to OnHouseholds until ctx ends;
// the returned wait blocks until it has stopped.
func (u *Uplink) startHouseholds(ctx context.Context) (wait func()) {
	return u.households.run(ctx, u.opts.OnHouseholds)
}
