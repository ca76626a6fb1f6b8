package bridge

import (
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/internal/mqttproxy"
)

// A cloud broker that passes entries on to the collector at once but
// PUBACKs nothing for seconds (a NATS node electing a stream leader) does
// not stop the bridge: it goes on publishing while the PUBACKs are
// outstanding, and when they come everything is acknowledged on the same
// connection, each entry sent once.
func TestBridgeKeepsForwardingLiveEntriesWhileTheCloudsPubacksAreHeld(t *testing.T) {
	r := newRig(t, time.Minute, true)
	p := mqttproxy.Start(t, r.cloud.url)
	r.b.brokers = delivery.NewRotation([]string{p.URL()}, testSite, testGateway)
	r.b.t.puback = 10 * hangGuard // only the pipelining can get the entries through in time
	r.start()
	r.connected()

	p.HoldPubacks(true)
	const live = 100
	for seq := uint64(1); seq <= live; seq++ {
		r.live("door-1", seq)
	}
	waitFor(t, "the live entries at the collector while the PUBACKs are held",
		func() bool { return r.col.count() >= live })
	// The broker PUBACKs each entry as it passes it on; the proxy may read
	// the last few a moment after the collector has them.
	waitFor(t, "every entry's PUBACK held back at the proxy", func() bool { return p.Pubacks.Load() >= live })
	p.HoldPubacks(false)
	r.drained(live)
	if n := p.Accepted.Load(); n != 1 {
		t.Fatalf("%d connections, want the first one to carry everything", n)
	}
	r.col.mu.Lock()
	copies := r.col.copies
	r.col.mu.Unlock()
	if copies != live {
		t.Fatalf("collector got %d messages for %d entries", copies, live)
	}
}

// With SubscribeQoS0 (a NATS cluster) the bridge asks for its site's acks
// and pushes on the cloud at QoS 0, and its entries are still acknowledged
// through them; without it, QoS 1.
func TestBridgeSubscribesOnTheCloudAtQoS0OnlyWhenAsked(t *testing.T) {
	for _, qos0 := range []bool{true, false} {
		t.Run(map[bool]string{true: "qos0", false: "qos1"}[qos0], func(t *testing.T) {
			r := newRig(t, time.Minute, true)
			p := mqttproxy.Start(t, r.cloud.url)
			r.b.brokers = delivery.NewRotation([]string{p.URL()}, testSite, testGateway)
			r.b.opts.SubscribeQoS0 = qos0
			r.start()
			r.connected()
			for seq := uint64(1); seq <= 5; seq++ {
				r.live("door-1", seq)
			}
			r.drained(5)
			want := byte(1)
			if qos0 {
				want = 0
			}
			for _, f := range []string{r.b.ackFilter(), r.b.policyFilter()} {
				if q, ok := p.RequestedQoS(f); !ok || q != want {
					t.Errorf("%s subscribed at QoS %d (seen %v), want %d", f, q, ok, want)
				}
			}
		})
	}
}
