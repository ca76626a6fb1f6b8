package uplink

import (
	"context"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// Policies pushed from the centre (docs/architecture.md "Policy is
// data") arrive retained on wire.PolicyTopic. The uplink
// only receives them: it decodes each push, drops one meant for another
// unit and hands the rest to Options.OnPolicy. Checking the document and
// switching to it are the unit's business.
//
// OnPolicy runs on a goroutine of its own, never on paho's router: the unit
// parses the document and writes it to disk, and a slow SD card must not
// hold up the acks that arrive on the same router. Only the latest push
// waiting to be handed over is kept — a retained topic says what is to run
// now, so a push overtaken by a newer one has nothing left to say.

// policyPush asks for this unit's pushed policy on this connection.
// The push is retained, so the current one arrives right after the SUBACK,
// on every connection; the unit ignores one it already runs. A broker that
// refuses the subscription is logged but does not cost the connection:
// entries matter more than pushes, and the unit keeps its current policy.
func (u *Uplink) policyPush() (pushSub, bool) {
	return pushSub{what: "policy", topic: wire.PolicyTopic(u.opts.Status.Site, u.opts.Status.Unit),
		qos: wire.QoSPolicy, on: u.onPolicy,
		refused: "policies pushed from the centre will not reach this unit"}, u.opts.OnPolicy != nil
}

// onPolicy runs on paho's goroutine, so it only decodes, checks the
// addressee and leaves the push for deliverPolicies.
func (u *Uplink) onPolicy(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) == 0 {
		return // the centre cleared the retained push: nothing to run
	}
	p, err := wire.DecodePolicyPush(m.Payload())
	if err == nil && (p.Site != u.opts.Status.Site || p.Unit != u.opts.Status.Unit) {
		err = fmt.Errorf("push addressed to %s/%s, not to this unit", p.Site, p.Unit)
	}
	if err != nil {
		u.log.Warn("uplink: ignored a bad policy push; the running policy stays", "topic", m.Topic(), "err", err)
		return
	}
	u.log.Debug("uplink: policy push received", "version", p.Version, "issued_by", p.IssuedBy)
	u.policyIn.Store(&p)
	select {
	case u.policyWake <- struct{}{}:
	default: // a hand-over is already due; it will take this push
	}
}

// deliverPolicies hands received pushes to OnPolicy, one at a time and the
// latest first, until ctx ends. A push still waiting then is dropped: being
// retained, it comes again on the next connection.
func (u *Uplink) deliverPolicies(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-u.policyWake:
		}
		if p := u.policyIn.Swap(nil); p != nil {
			u.opts.OnPolicy(*p)
		}
	}
}

// startPolicies runs deliverPolicies for Run when a hook is set; the
// returned wait blocks until it has returned, so Run never returns while
// the unit is still applying a push.
func (u *Uplink) startPolicies(ctx context.Context) (wait func()) {
	if u.opts.OnPolicy == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.deliverPolicies(ctx)
	}()
	return func() { <-done }
}
