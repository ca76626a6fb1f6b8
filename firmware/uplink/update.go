package uplink

import (
	"context"
	"errors"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre pushes a program update retained on wire.UpdateTopic. As
// with rosters the uplink only receives it: it decodes each push, drops
// one meant for another unit and hands the rest to Options.OnUpdate on a
// goroutine of its own (the unit's updater verifies the signature,
// downloads and installs; that takes minutes and must not hold up paho).

// subscribeUpdate asks for this unit's update on this connection. A broker
// that refuses it costs updates, not the connection.
func (u *Uplink) subscribeUpdate(ctx context.Context, c *delivery.Link) error {
	if u.opts.OnUpdate == nil {
		return nil
	}
	topic := wire.UpdateTopic(u.opts.Status.Site, u.opts.Status.Unit)
	err := c.Listen(ctx, topic, wire.QoSUpdate, u.onUpdate, u.t.puback)
	switch {
	case errors.Is(err, delivery.ErrRefused):
		u.log.Error("uplink: the broker refused the update subscription (check its ACL): "+
			"this unit will not receive program updates", "topic", topic)
	case err != nil:
		return fmt.Errorf("uplink: %w", err)
	}
	return nil
}

// onUpdate runs on paho's goroutine, so it only decodes and checks the
// addressee.
func (u *Uplink) onUpdate(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) == 0 {
		return // the centre cleared the retained push
	}
	p, err := wire.DecodeUpdatePush(m.Payload())
	if err == nil && (p.Site != u.opts.Status.Site || p.Unit != u.opts.Status.Unit) {
		err = fmt.Errorf("update addressed to %s/%s, not to this unit", p.Site, p.Unit)
	}
	if err != nil {
		u.log.Warn("uplink: ignored a bad update push", "topic", m.Topic(), "err", err)
		return
	}
	u.update.put(p)
}

// startUpdate hands received pushes to OnUpdate until ctx ends; the
// returned wait blocks until it has stopped.
func (u *Uplink) startUpdate(ctx context.Context) (wait func()) {
	return u.update.run(ctx, u.opts.OnUpdate)
}

// SetUpdate announces the last update's outcome in the status, as
// SetDevices does; nil takes it out.
func (u *Uplink) SetUpdate(r *wire.UpdateReport) {
	u.mu.Lock()
	u.updateReport = r
	u.statusDirty = true
	u.mu.Unlock()
	u.Notify()
}
