package bridge

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// The guard rosters the centre pushes to the site's units go down to the
// LAN like policies, through the same relay (policy.go): retained, the
// latest per unit, retried until the LAN broker takes it. The bridge only
// checks the roster's shape and addressee; each unit verifies its
// signature.

// guardsFilter is every roster pushed to a unit of the gateway's site.
func (b *Bridge) guardsFilter() string {
	return wire.Root + "/" + b.opts.Site + "/+/" + wire.KindGuards
}

// onGuards runs on paho's goroutine; an empty payload is the centre
// clearing a retained roster and goes down as it is.
func (b *Bridge) onGuards(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) > 0 {
		r, err := wire.DecodeGuardRoster(m.Payload())
		if err == nil && wire.GuardsTopic(r.Site, r.Unit) != m.Topic() {
			err = errTopicMismatch
		}
		if err != nil {
			b.log.Warn("bridge: ignored a bad guard roster", "topic", m.Topic(), "err", err)
			return
		}
	}
	b.queueDown(m)
}
