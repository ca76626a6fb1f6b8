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
	if n := p.Pubacks.Load(); n < live {
		t.Fatalf("%d PUBACKs held back, want at least %d: the entries did not go ahead of them", n, live)
	}
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
