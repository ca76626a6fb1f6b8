package bridge

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"sync"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// policyRelay carries policies pushed from the cloud to the site's LAN
// broker on a goroutine of its own: paho's handler must not wait on the
// LAN, and a push that fails to go down is retried until it does.
type policyRelay struct {
	mu      sync.Mutex
	pending map[string][]byte // topic → the latest push not yet relayed
	done    map[string][]byte // topic → what the LAN retains already
	wake    chan struct{}
}

func (p *policyRelay) init() {
	p.pending = map[string][]byte{}
	p.done = map[string][]byte{}
	p.wake = make(chan struct{}, 1)
}

// policyFilter is every policy pushed to a unit of the gateway's site.
func (b *Bridge) policyFilter() string {
	return wire.Root + "/" + b.opts.Site + "/+/" + wire.KindPolicy
}

// onPolicy runs on paho's goroutine. A push is checked before it is
// relayed, since a unit would refuse a malformed one anyway; an empty
// payload is the centre clearing a retained push and goes down as it is.
// Retained pushes arrive again on every reconnect; one the LAN already
// retains is not published there twice.
func (b *Bridge) onPolicy(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) > 0 {
		p, err := wire.DecodePolicyPush(m.Payload())
		if err == nil && wire.PolicyTopic(p.Site, p.Unit) != m.Topic() {
			err = errTopicMismatch
		}
		if err != nil {
			b.log.Warn("bridge: ignored a bad policy push", "topic", m.Topic(), "err", err)
			return
		}
	}
	b.queueDown(m)
}

// queueDown leaves a retained message from the centre (a policy, a guard
// roster) for the relay, unless the LAN retains it already.
func (b *Bridge) queueDown(m mqtt.Message) {
	r := &b.policies
	r.mu.Lock()
	if d, ok := r.done[m.Topic()]; ok && bytes.Equal(d, m.Payload()) {
		r.mu.Unlock()
		return
	}
	r.pending[m.Topic()] = bytes.Clone(m.Payload())
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// startPolicies relays pushes until ctx ends; the returned func waits for
// the relay to stop.
func (b *Bridge) startPolicies(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.relayPolicies(ctx)
	}()
	return func() { <-done }
}

func (b *Bridge) relayPolicies(ctx context.Context) {
	retry := delivery.Backoff{Min: b.t.retryMin, Max: b.t.retryMax}
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.policies.wake:
		}
		for !b.relayPending() {
			if !delivery.Sleep(ctx, retry.Next()) {
				return
			}
		}
		retry.Reset()
	}
}

// relayPending publishes the pending pushes on the LAN, retained, and
// reports whether all went; a failed one stays pending unless a newer
// push for its topic came meanwhile.
func (b *Bridge) relayPending() bool {
	r := &b.policies
	r.mu.Lock()
	batch := r.pending
	r.pending = map[string][]byte{}
	r.mu.Unlock()
	ok, parts := true, 0
	for _, topic := range slices.Sorted(maps.Keys(batch)) {
		payload := batch[topic]
		err := b.opts.Local.Publish(topic, payload, true)
		r.mu.Lock()
		if err == nil {
			r.done[topic] = payload
		} else if _, newer := r.pending[topic]; !newer {
			r.pending[topic] = payload
		}
		r.mu.Unlock()
		switch name := wire.WatchName(topic); {
		case err != nil:
			b.log.Warn("bridge: push not relayed to the site's broker; will retry", "topic", topic, "err", err)
			ok = false
		case name != "" && name != wire.WatchHeadName:
			parts++ // a roster snapshot is some 2,000 parts: counted, not logged one by one
		default:
			b.log.Info("bridge: push relayed to the site", "topic", topic)
		}
	}
	if parts > 0 {
		b.log.Info("bridge: watch roster parts relayed to the site", "parts", parts)
	}
	return ok
}
