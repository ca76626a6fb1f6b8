package bridge

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// The program updates the centre pushes to the site's units go down to
// the LAN like guard rosters (guards.go): retained, the latest per unit.
// The bridge checks only the push's shape and addressee; each unit
// verifies the signature and the binary it downloads from the collector.

// updateFilter is every update pushed to a unit of the gateway's site.
func (b *Bridge) updateFilter() string {
	return wire.Root + "/" + b.opts.Site + "/+/" + wire.KindUpdate
}

// onUpdate runs on paho's goroutine; an empty payload is the centre
// clearing a retained push and goes down as it is.
func (b *Bridge) onUpdate(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) > 0 {
		p, err := wire.DecodeUpdatePush(m.Payload())
		if err == nil && wire.UpdateTopic(p.Site, p.Unit) != m.Topic() {
			err = errTopicMismatch
		}
		if err != nil {
			b.log.Warn("bridge: ignored a bad update push", "topic", m.Topic(), "err", err)
			return
		}
	}
	b.queueDown(m)
}
