package bridge

import (
	"context"
	"errors"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre's trust list (pass issuers, revoked passes, DCC signers) is
// one retained message for the whole fleet on wire.TrustTopic. The bridge
// relays it to the site's LAN as it relays the watch roster: retained, the
// latest only, retried until the LAN broker takes it. It checks only the
// size; each unit verifies the signature and the version, so a gateway
// that was broken into can withhold a revocation but not forge or undo
// one (a unit never goes back to an older list).

// onTrust runs on paho's goroutine.
func (b *Bridge) onTrust(_ mqtt.Client, m mqtt.Message) {
	if m.Topic() != wire.TrustTopic || len(m.Payload()) > wire.MaxTrustPayload {
		b.log.Warn("bridge: ignored a message on the trust list's topic", "topic", m.Topic(), "bytes", len(m.Payload()))
		return
	}
	b.queueDown(m)
}

// subscribeTrust asks the cloud for the trust list. A broker whose ACL
// predates it refuses; that costs the site the list, not the connection.
func (b *Bridge) subscribeTrust(ctx context.Context, c *delivery.Link) error {
	err := c.Listen(ctx, wire.TrustTopic, wire.QoSTrust, b.onTrust, b.t.puback)
	switch {
	case errors.Is(err, delivery.ErrRefused):
		b.log.Error("bridge: the cloud broker refused the trust list (rewrite its ACL with this kakou-cloud): "+
			"passes the centre revokes will still open this site's gates", "topic", wire.TrustTopic)
	case err != nil:
		return fmt.Errorf("bridge: %w", err)
	}
	return nil
}
