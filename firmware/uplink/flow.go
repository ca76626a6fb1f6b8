package uplink

import (
	"context"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// A site gateway tells each entrance lane, retained on wire.FlowTopic, how
// many people are inside and how many more the lane may admit (限流; the
// grant semantics are in the doc comment of wire.Flow). The uplink only
// receives flows: it decodes each, drops one meant for another unit and
// hands the rest to Options.OnFlow. Counting admissions against the grant
// is the unit's business.
//
// OnFlow runs on a goroutine of its own, as OnPolicy does: the unit may
// release a person it holds, which writes the ledger, and that must not
// hold up the acks on paho's router. Only the latest flow waiting to be
// handed over is kept: a newer flow says everything an older one did. A
// unit connected straight to the cloud subscribes too and simply never
// hears a flow.

// flowPush asks for this unit's flow on this connection. A broker that
// refuses it (a cloud broker's ACL that knows nothing of gateways) is noted
// in the log but does not cost the connection: the unit then screens
// without a count, as it does with no gateway.
func (u *Uplink) flowPush() (pushSub, bool) {
	return pushSub{what: "flow", topic: wire.FlowTopic(u.opts.Status.Site, u.opts.Status.Unit),
		qos: wire.QoSFlow, on: u.onFlow, expected: true,
		refused: "fine without a site gateway, otherwise check its ACL: this lane will not be flow limited"}, u.opts.OnFlow != nil
}

// onFlow runs on paho's goroutine, so it only decodes, checks the addressee
// and leaves the flow for deliverFlows.
func (u *Uplink) onFlow(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) == 0 {
		return // the gateway cleared its retained flow: nothing new to go by
	}
	f, err := wire.DecodeFlow(m.Payload())
	if err == nil && (f.Site != u.opts.Status.Site || f.Unit != u.opts.Status.Unit) {
		err = fmt.Errorf("flow addressed to %s/%s, not to this unit", f.Site, f.Unit)
	}
	if err != nil {
		u.log.Warn("uplink: ignored a bad flow; the lane keeps the grant it holds", "topic", m.Topic(), "err", err)
		return
	}
	u.flowIn.Store(&f)
	select {
	case u.flowWake <- struct{}{}:
	default: // a hand-over is already due; it will take this flow
	}
}

// deliverFlows hands received flows to OnFlow, the latest first, until ctx
// ends.
func (u *Uplink) deliverFlows(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-u.flowWake:
		}
		if f := u.flowIn.Swap(nil); f != nil {
			u.opts.OnFlow(*f)
		}
	}
}

// startFlows runs deliverFlows for Run when a hook is set; the returned
// wait blocks until it has returned.
func (u *Uplink) startFlows(ctx context.Context) (wait func()) {
	if u.opts.OnFlow == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.deliverFlows(ctx)
	}()
	return func() { <-done }
}
