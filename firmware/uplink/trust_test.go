package uplink

import (
	"bytes"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kakou/kakou/firmware/wire"
)

func nextTrust(t *testing.T, got <-chan []byte) []byte {
	t.Helper()
	select {
	case b := <-got:
		return b
	case <-time.After(hangGuard):
		t.Fatal("no trust list handed to the unit")
		return nil
	}
}

// A list the size of the EU's DCC trust list and a long revocation list
// (several MiB) passes the broker and reaches the unit whole, again on
// every connection, and the unit's status then names the version it runs.
func TestUplinkHandsTheRetainedTrustListToTheUnitAndReportsItsVersion(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	statuses := make(chan wire.Status, 100)
	if err := b.srv.Subscribe(wire.StatusTopic(testStatus.Site, testStatus.Unit), 2,
		func(_ *mochi.Client, _ packets.Subscription, pk packets.Packet) {
			if s, err := wire.DecodeStatus(pk.Payload); err == nil {
				statuses <- s
			}
		}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), 6<<20)
	if err := b.srv.Publish(wire.TrustTopic, big, true, wire.QoSTrust); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 4)
	u, _ := startUplink(t, newLedger(t), b.url, func(o *Options) { o.OnTrust = func(p []byte) { got <- p } })
	if p := nextTrust(t, got); !bytes.Equal(p, big) {
		t.Fatalf("handed over %d bytes, want the retained %d", len(p), len(big))
	}
	u.SetTrustVersion(7)
	deadline := time.After(hangGuard)
	for s := (wire.Status{}); s.TrustVersion != 7; {
		select {
		case s = <-statuses:
		case <-deadline:
			t.Fatal("no status naming trust version 7")
		}
	}
	b.cutClient(t, u.opts.ClientID)
	if p := nextTrust(t, got); len(p) != len(big) {
		t.Fatalf("after a reconnect the unit got %d bytes, want the retained list again", len(p))
	}
}

func TestUplinkDropsAnOversizeOrClearedTrustList(t *testing.T) {
	u := newUplink(t, newLedger(t), "tcp://127.0.0.1:1")
	u.onTrust(nil, message{topic: wire.TrustTopic, payload: make([]byte, wire.MaxTrustPayload+1)})
	u.onTrust(nil, message{topic: wire.TrustTopic})
	if u.trust.latest.Load() != nil {
		t.Fatal("an oversize or empty trust list was kept for the unit")
	}
	u.onTrust(nil, message{topic: wire.TrustTopic, payload: []byte("{}")})
	if p := u.trust.latest.Load(); p == nil || string(*p) != "{}" {
		t.Fatal("a trust list within the cap was not kept for the unit")
	}
}
