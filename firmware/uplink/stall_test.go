package uplink

import (
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/internal/mqttproxy"
)

// A connection that dies silently leaves paho's Publish and its PUBACKs
// waiting: with no keep-alive and no write timeout a unit would sit on the
// dead connection for the PUBACK timeout (30 s) or, once the socket stops
// draining, for good. With them the unit gives the connection up within
// about KeepAlive + PingTimeout, reconnects and sends what the dead
// connection swallowed.
func TestUplinkNoticesASilentlyDroppedConnectionAndReconnects(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	coll := startCollector(t, b.url)
	p := mqttproxy.Start(t, b.url) // Freeze: the connection goes silent
	l := newLedger(t)
	l.addN(t, 5)
	u := newUplink(t, l, p.URL())
	u.t.conn = delivery.Timing{KeepAlive: time.Second, PingTimeout: time.Second, Write: time.Second}
	runUplink(t, u)
	coll.awaitContig(5)

	p.Freeze()
	cut := time.Now()
	for range 5 {
		if _, err := l.add(); err != nil {
			t.Fatal(err)
		}
		u.Notify()
	}
	// The PUBACK timeout stays at 30 s: only the keep-alive can notice in
	// time. The bound is ten times what the timeouts allow, and a third of
	// the PUBACK timeout the unit waited for without them.
	const bound = 10 * time.Second
	for coll.contiguous() < 10 {
		if time.Since(cut) > bound {
			t.Fatalf("entries 6-10 not delivered %v after the connection went silent (proxy connections: %d)",
				bound, p.Accepted.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := p.Accepted.Load(); n < 2 {
		t.Fatalf("%d connections through the proxy, want a reconnection", n)
	}
}

// contiguous is the seq up to which every entry has arrived.
func (c *collector) contiguous() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.contig
}
