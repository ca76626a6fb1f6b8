package uplink

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func updateFor(unit, version string) wire.UpdatePush {
	return wire.UpdatePush{Schema: wire.SchemaVersion, Site: testStatus.Site, Unit: unit,
		Program: "kakou-unit", Version: version, Arch: "armv6",
		URL: "https://collector.test/updates/kakou-unit/" + version + "/armv6", SHA256: strings.Repeat("0", 64),
		Size: 100, IssuedAt: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
}

func (b *broker) publishUpdate(t testing.TB, unit string, p any) {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Publish(wire.UpdateTopic(testStatus.Site, unit), raw, true, wire.QoSUpdate); err != nil {
		t.Fatal(err)
	}
}

func nextUpdate(t *testing.T, got <-chan wire.UpdatePush) wire.UpdatePush {
	t.Helper()
	select {
	case p := <-got:
		return p
	case <-time.After(hangGuard):
		t.Fatal("no update handed to the unit")
		return wire.UpdatePush{}
	}
}

func TestUplinkHandsTheCentresRetainedUpdateToTheUnitAndIgnoresOthers(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	b.publishUpdate(t, testStatus.Unit, updateFor(testStatus.Unit, "1.5.0"))
	got := make(chan wire.UpdatePush, 10)
	startUplink(t, newLedger(t), b.url, func(o *Options) { o.OnUpdate = func(p wire.UpdatePush) { got <- p } })
	if p := nextUpdate(t, got); p.Version != "1.5.0" {
		t.Fatalf("first connection handed over %+v, want the retained 1.5.0", p)
	}
	capt.awaitStatus(wire.Online)
	b.publishUpdate(t, testStatus.Unit, updateFor("south-gate", "1.6.0")) // on this topic, for another unit
	bad := updateFor(testStatus.Unit, "1.7.0")
	bad.URL = "http://collector.test/plain"
	b.publishUpdate(t, testStatus.Unit, bad)
	b.publishUpdate(t, testStatus.Unit, updateFor(testStatus.Unit, "1.8.0"))
	if p := nextUpdate(t, got); p.Version != "1.8.0" || p.Unit != testStatus.Unit {
		t.Fatalf("a live update handed over as %+v, want 1.8.0 for this unit (the bad ones dropped)", p)
	}
}
