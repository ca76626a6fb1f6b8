package uplink

import (
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// addressedPush is a retained message meant for this unit alone, on a
// topic of its own: the guard roster, the staff roster, test results from
// the centre, household uses from a site gateway. The uplink only
// receives it: on paho's goroutine it decodes the message, drops one
// addressed to another unit and leaves the rest in its handoff, which
// hands the latest to the unit on a goroutine of its own (the unit
// verifies signatures and writes the card). An empty payload is a cleared
// retained message: the unit keeps what it holds.
type addressedPush[T any] struct {
	what   string // "guard roster", for the log
	topic  string
	qos    byte
	decode func([]byte) (T, error)
	to     func(T) (site, unit string)
	box    *handoff[T]
	// refused says what a broker that refuses the subscription costs;
	// expected (households without a site gateway) logs it as news, not
	// as an error.
	refused  string
	expected bool
	keeps    string // what the unit keeps when a bad one comes
}

// listenAddressed is p's subscription; a broker that refuses it costs
// that push, not the connection: entries matter more (subscribe.go).
func listenAddressed[T any](u *Uplink, p addressedPush[T]) (pushSub, bool) {
	on := func(_ mqtt.Client, m mqtt.Message) {
		if len(m.Payload()) == 0 {
			return
		}
		v, err := p.decode(m.Payload())
		if site, unit := p.to(v); err == nil && (site != u.opts.Status.Site || unit != u.opts.Status.Unit) {
			err = fmt.Errorf("%s addressed to %s/%s, not to this unit", p.what, site, unit)
		}
		if err != nil {
			u.log.Warn("uplink: ignored a bad "+p.what+"; "+p.keeps, "topic", m.Topic(), "err", err)
			return
		}
		p.box.put(v)
	}
	return pushSub{what: p.what, topic: p.topic, qos: p.qos, on: on, refused: p.refused, expected: p.expected}, true
}
