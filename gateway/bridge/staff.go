package bridge

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// The staff rosters the centre pushes to the site's units go down to the
// LAN like the guard rosters (guards.go): retained, the latest per unit,
// through the policy relay. The bridge checks shape and addressee; each
// unit verifies the signature.

func (b *Bridge) staffFilter() string {
	return wire.Root + "/" + b.opts.Site + "/+/" + wire.KindStaff
}

// onStaff runs on paho's goroutine; an empty payload goes down as it is.
func (b *Bridge) onStaff(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) > 0 {
		r, err := wire.DecodeStaffRoster(m.Payload())
		if err == nil && wire.StaffTopic(r.Site, r.Unit) != m.Topic() {
			err = errTopicMismatch
		}
		if err != nil {
			b.log.Warn("bridge: ignored a bad staff roster", "topic", m.Topic(), "err", err)
			return
		}
	}
	b.queueDown(m)
}
