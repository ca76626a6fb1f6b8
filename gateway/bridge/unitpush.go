package bridge

import (
	"context"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// What the centre pushes to one unit of the site (its guard roster, staff
// roster, test results, program update) goes down to the LAN like
// policies, through the same relay (policy.go): retained, the latest per
// unit, retried until the LAN broker takes it. The bridge checks only the
// push's shape and that the topic names its addressee; each unit verifies
// the signature and the version (and, for an update, the binary it
// downloads from the collector).

// unitPush is one kind of push addressed to a single unit.
type unitPush struct {
	what  string // "guard roster", for the log
	kind  string // the topic's last level (wire.KindGuards, …)
	topic func(payload []byte) (string, error)
}

// pushTo builds a unitPush from a kind's decoder and topic.
func pushTo[T any](what, kind string, decode func([]byte) (T, error), topic func(T) string) unitPush {
	return unitPush{what: what, kind: kind, topic: func(b []byte) (string, error) {
		v, err := decode(b)
		if err != nil {
			return "", err
		}
		return topic(v), nil
	}}
}

var unitPushes = []unitPush{
	pushTo("guard roster", wire.KindGuards, wire.DecodeGuardRoster,
		func(r wire.GuardRoster) string { return wire.GuardsTopic(r.Site, r.Unit) }),
	pushTo("update push", wire.KindUpdate, wire.DecodeUpdatePush,
		func(p wire.UpdatePush) string { return wire.UpdateTopic(p.Site, p.Unit) }),
	pushTo("staff roster", wire.KindStaff, wire.DecodeStaffRoster,
		func(r wire.StaffRoster) string { return wire.StaffTopic(r.Site, r.Unit) }),
	pushTo("results push", wire.KindResults, wire.DecodeResultPush,
		func(p wire.ResultPush) string { return wire.ResultsTopic(p.Site, p.Unit) }),
}

// relayUnitPush subscribes to every push of p's kind to a unit of the
// gateway's site. The handler runs on paho's goroutine; an empty payload
// is the centre clearing a retained push and goes down as it is.
func (b *Bridge) relayUnitPush(ctx context.Context, c *delivery.Link, p unitPush) error {
	filter := wire.Root + "/" + b.opts.Site + "/+/" + p.kind
	return b.subscribe(ctx, c, filter, func(_ mqtt.Client, m mqtt.Message) {
		if p.kind == wire.KindUpdate && b.ownUpdate(m) {
			return // the gateway's own, not a unit's (selfupdate.go)
		}
		if len(m.Payload()) > 0 {
			topic, err := p.topic(m.Payload())
			if err == nil && topic != m.Topic() {
				err = errTopicMismatch
			}
			if err != nil {
				b.log.Warn("bridge: ignored a bad "+p.what, "topic", m.Topic(), "err", err)
				return
			}
		}
		b.queueDown(m)
	})
}
