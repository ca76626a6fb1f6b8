package bridge

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// The test results the centre pushes to the site's units go down to the
// LAN like guard rosters and policies, through the same relay (policy.go):
// retained, the latest per unit, retried until the LAN broker takes it.
// The bridge only checks the push's shape and addressee; each unit
// verifies its signature and its version.

// resultsFilter is every results push to a unit of the gateway's site.
func (b *Bridge) resultsFilter() string {
	return wire.Root + "/" + b.opts.Site + "/+/" + wire.KindResults
}

// onResults runs on paho's goroutine; an empty payload is the centre
// clearing a retained push and goes down as it is.
func (b *Bridge) onResults(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) > 0 {
		p, err := wire.DecodeResultPush(m.Payload())
		if err == nil && wire.ResultsTopic(p.Site, p.Unit) != m.Topic() {
			err = errTopicMismatch
		}
		if err != nil {
			b.log.Warn("bridge: ignored a bad results push", "topic", m.Topic(), "err", err)
			return
		}
	}
	b.queueDown(m)
}
