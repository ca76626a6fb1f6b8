package uplink

import (
	"context"
	"errors"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre pushes the nucleic-acid results for the people this unit's
// site holds for sampling, retained on wire.ResultsTopic. As with the
// guard roster the uplink only receives them: it decodes each push, drops
// one meant for another unit and hands the rest to Options.OnResults, on
// a goroutine of its own (the unit verifies the signature and releases
// the people held). Only the latest push waiting is kept: a newer one
// lists every result an older one did that still matters.

// subscribeResults asks for this unit's results on this connection. A
// broker that refuses it costs the results, not the connection: entries
// matter more.
func (u *Uplink) subscribeResults(ctx context.Context, c *delivery.Link) error {
	if u.opts.OnResults == nil {
		return nil
	}
	topic := wire.ResultsTopic(u.opts.Status.Site, u.opts.Status.Unit)
	err := c.Listen(ctx, topic, wire.QoSResults, u.onResults, u.t.puback)
	switch {
	case errors.Is(err, delivery.ErrRefused):
		u.log.Error("uplink: the broker refused the results subscription (check its ACL): "+
			"people held for sampling are released only by a same-day sampling record at the gate", "topic", topic)
	case err != nil:
		return fmt.Errorf("uplink: %w", err)
	}
	return nil
}

// onResults runs on paho's goroutine, so it only decodes, checks the
// addressee and leaves the push for startResults.
func (u *Uplink) onResults(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) == 0 {
		return // the centre cleared the retained push: nothing to release
	}
	r, err := wire.DecodeResultPush(m.Payload())
	if err == nil && (r.Site != u.opts.Status.Site || r.Unit != u.opts.Status.Unit) {
		err = fmt.Errorf("results addressed to %s/%s, not to this unit", r.Site, r.Unit)
	}
	if err != nil {
		u.log.Warn("uplink: ignored a bad results push", "topic", m.Topic(), "err", err)
		return
	}
	u.results.put(r)
}

// startResults hands received pushes to OnResults, the latest first, until
// ctx ends; the returned wait blocks until it has stopped.
func (u *Uplink) startResults(ctx context.Context) (wait func()) {
	return u.results.run(ctx, u.opts.OnResults)
}
