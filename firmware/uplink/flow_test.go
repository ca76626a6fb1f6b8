package uplink

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// flowFor is the gateway's flow seq for unit: a full supermarket.
func flowFor(unit string, seq uint64, allowance int) wire.Flow {
	return wire.Flow{Schema: wire.SchemaVersion, Site: testStatus.Site, Unit: unit, Seq: seq,
		Occupancy: 200, Capacity: 200, Waiting: 3, AfterSeq: 41, Allowance: allowance,
		Time: time.Date(2022, 1, 28, 10, 0, 0, 0, time.UTC)}
}

// publishFlow publishes f, or raw bytes, on unit's flow topic through the
// broker's inline client, as a site gateway would.
func (b *broker) publishFlow(t testing.TB, unit string, payload []byte) {
	t.Helper()
	if err := b.srv.Publish(wire.FlowTopic(testStatus.Site, unit), payload, true, wire.QoSFlow); err != nil {
		t.Fatal(err)
	}
}

func encodeFlow(t testing.TB, f wire.Flow) []byte {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func nextFlow(t *testing.T, got <-chan wire.Flow) wire.Flow {
	t.Helper()
	select {
	case f := <-got:
		return f
	case <-time.After(hangGuard):
		t.Fatal("no flow handed to the unit")
		return wire.Flow{}
	}
}

func TestUplinkHandsTheGatewaysRetainedFlowToTheUnitAndIgnoresOthers(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	b.publishFlow(t, testStatus.Unit, encodeFlow(t, flowFor(testStatus.Unit, 7, 0)))
	got := make(chan wire.Flow, 10)
	u, _ := startUplink(t, newLedger(t), b.url, func(o *Options) { o.OnFlow = func(f wire.Flow) { got <- f } })

	if f := nextFlow(t, got); f.Seq != 7 || f.Allowance != 0 || f.Capacity != 200 || f.Waiting != 3 || f.AfterSeq != 41 {
		t.Fatalf("first connection handed over %+v, want the retained flow 7", f)
	}
	capt.awaitStatus(wire.Online)

	bad := flowFor(testStatus.Unit, 8, 0)
	bad.Capacity = -1
	b.publishFlow(t, "south-gate", encodeFlow(t, flowFor("south-gate", 9, 5)))
	b.publishFlow(t, testStatus.Unit, encodeFlow(t, flowFor("south-gate", 9, 5))) // on this topic, for another
	b.publishFlow(t, testStatus.Unit, encodeFlow(t, bad))
	b.publishFlow(t, testStatus.Unit, []byte("not json"))
	b.publishFlow(t, testStatus.Unit, encodeFlow(t, flowFor(testStatus.Unit, 10, 2)))
	if f := nextFlow(t, got); f.Seq != 10 || f.Allowance != 2 || f.Unit != testStatus.Unit {
		t.Fatalf("a live flow handed over as %+v, want seq 10 for this unit (the bad ones dropped)", f)
	}

	b.cutClient(t, u.opts.ClientID)
	if f := nextFlow(t, got); f.Seq != 10 {
		t.Fatalf("after a reconnect the unit got flow %d, want the retained 10 again", f.Seq)
	}
}

func TestUplinkDoesNotSubscribeToFlowsWithoutAHook(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	u, _ := startUplink(t, newLedger(t), b.url)
	capt.awaitStatus(wire.Online)
	cl, ok := b.srv.Clients.Get(u.opts.ClientID)
	if !ok {
		t.Fatal("uplink not connected")
	}
	if _, subscribed := cl.State.Subscriptions.Get(wire.FlowTopic(testStatus.Site, testStatus.Unit)); subscribed {
		t.Fatal("subscribed to the flow topic with no OnFlow to hand flows to")
	}
}
