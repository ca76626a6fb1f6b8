package bridge

import (
	"context"
	"errors"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
)

// A fleet feed is a retained tree the centre sends every device of the
// fleet: the watch roster (居家隔离 / 健康监测 / 返乡人员) under
// wire.WatchRoot, the trust list (pass issuers, revoked passes, DCC
// signers) on wire.TrustTopic. The bridge relays each to the site's LAN as
// it relays policies (policy.go): retained, the latest per topic, retried
// until the LAN broker takes it, and a cleared topic (an empty payload)
// cleared there too. It checks only that a message belongs to the feed
// and fits its size; each unit verifies the signatures, hashes and
// versions, so a gateway that was broken into can withhold a feed but not
// forge it or turn it back.
type fleetFeed struct {
	filter string
	qos    byte
	fits   func(topic string, n int) bool // the feed's topic and size bound
	name   string                         // for the logs: "the watch roster"
	lost   string                         // what the site loses when the cloud refuses the feed
}

// relayFleet subscribes to a feed on the cloud. A broker whose ACL
// predates the feed refuses it; that costs the site the feed, not the
// connection its entries travel on.
func (b *Bridge) relayFleet(ctx context.Context, c *delivery.Link, f fleetFeed) error {
	on := func(_ mqtt.Client, m mqtt.Message) { // on paho's goroutine
		if !f.fits(m.Topic(), len(m.Payload())) {
			b.log.Warn("bridge: ignored a message on "+f.name+"'s topics", "topic", m.Topic(), "bytes", len(m.Payload()))
			return
		}
		b.queueDown(m)
	}
	err := c.Listen(ctx, f.filter, f.qos, on, b.t.puback)
	switch {
	case errors.Is(err, delivery.ErrRefused):
		b.log.Error("bridge: the cloud broker refused "+f.name+" (rewrite its ACL with this kakou-cloud): "+f.lost, "topic", f.filter)
	case err != nil:
		return fmt.Errorf("bridge: %w", err)
	}
	return nil
}
