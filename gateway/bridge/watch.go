package bridge

import (
	"context"
	"errors"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre's watch roster (居家隔离 / 健康监测 / 返乡人员) is one tree of
// retained messages for the whole fleet under wire.WatchRoot. The bridge
// relays it to the site's LAN as it relays policies (policy.go):
// retained, the latest per topic, retried until the LAN broker takes it,
// and a cleared part (an empty payload) cleared there too. It only checks
// that a message is a head or a part by its topic and fits the payload
// limit; each unit verifies the head's signature and every part's hash,
// so a gateway that was broken into can withhold the roster but not
// change it.

// onWatch runs on paho's goroutine.
func (b *Bridge) onWatch(_ mqtt.Client, m mqtt.Message) {
	if wire.WatchName(m.Topic()) == "" || len(m.Payload()) > wire.MaxPayload {
		b.log.Warn("bridge: ignored a message on the watch roster's topics", "topic", m.Topic(), "bytes", len(m.Payload()))
		return
	}
	b.queueDown(m)
}

// subscribeWatch asks the cloud for the roster. A broker whose ACL predates
// the roster refuses it; that costs the site the roster, not the
// connection its entries travel on.
func (b *Bridge) subscribeWatch(ctx context.Context, c *delivery.Link) error {
	err := c.Listen(ctx, wire.WatchFilter, wire.QoSWatch, b.onWatch, b.t.puback)
	switch {
	case errors.Is(err, delivery.ErrRefused):
		b.log.Error("bridge: the cloud broker refused the watch roster (rewrite its ACL with this kakou-cloud): "+
			"people the centre puts in quarantine will not reach this site's gates", "topic", wire.WatchFilter)
	case err != nil:
		return fmt.Errorf("bridge: %w", err)
	}
	return nil
}
