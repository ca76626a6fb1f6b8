package uplink

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func rosterFor(unit string, version uint64) wire.GuardRoster {
	return wire.GuardRoster{Schema: wire.SchemaVersion, Site: testStatus.Site, Unit: unit, Version: version,
		IssuedAt: time.Date(2022, 1, 28, 10, 0, 0, 0, time.UTC), IssuedBy: "centre",
		Guards: []wire.RosterGuard{{ID: "wang", Name: "王师傅",
			PINHash: "pbkdf2-sha256$1000$MDEyMzQ1Njc4OWFiY2RlZg$" + "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"}}}
}

func (b *broker) publishGuards(t testing.TB, unit string, r wire.GuardRoster) {
	t.Helper()
	p, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Publish(wire.GuardsTopic(testStatus.Site, unit), p, true, wire.QoSGuards); err != nil {
		t.Fatal(err)
	}
}

func nextRoster(t *testing.T, got <-chan wire.GuardRoster) wire.GuardRoster {
	t.Helper()
	select {
	case r := <-got:
		return r
	case <-time.After(hangGuard):
		t.Fatal("no roster handed to the unit")
		return wire.GuardRoster{}
	}
}

func TestUplinkHandsTheCentresRetainedRosterToTheUnitAndIgnoresOthers(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	b.publishGuards(t, testStatus.Unit, rosterFor(testStatus.Unit, 3))
	got := make(chan wire.GuardRoster, 10)
	u, _ := startUplink(t, newLedger(t), b.url, func(o *Options) { o.OnGuards = func(r wire.GuardRoster) { got <- r } })
	if r := nextRoster(t, got); r.Version != 3 || len(r.Guards) != 1 {
		t.Fatalf("first connection handed over %+v, want the retained roster 3", r)
	}
	capt.awaitStatus(wire.Online)
	b.publishGuards(t, testStatus.Unit, rosterFor("south-gate", 9)) // on this topic, for another unit
	bad := rosterFor(testStatus.Unit, 8)
	bad.Guards[0].PINHash = "1234"
	b.publishGuards(t, testStatus.Unit, bad)
	b.publishGuards(t, testStatus.Unit, rosterFor(testStatus.Unit, 10))
	if r := nextRoster(t, got); r.Version != 10 || r.Unit != testStatus.Unit {
		t.Fatalf("a live roster handed over as %+v, want version 10 for this unit (the bad ones dropped)", r)
	}
	b.cutClient(t, u.opts.ClientID)
	if r := nextRoster(t, got); r.Version != 10 {
		t.Fatalf("after a reconnect the unit got roster %d, want the retained 10 again", r.Version)
	}
}
