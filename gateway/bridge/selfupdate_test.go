package bridge

import (
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

func gatewayPush(t *testing.T, unit string) []byte {
	return mustJSON(t, wire.UpdatePush{Schema: wire.SchemaVersion, Site: testSite, Unit: unit,
		Program: "kakou-gateway", Version: "2.1.0", Arch: "arm64", URL: "https://collector.test/g",
		SHA256: strings.Repeat("0", 64), Size: 10, IssuedAt: time.Now().UTC()})
}

// The gateway's own update topic matches the filter that relays the
// units' pushes; its push goes to OnUpdate and never down to the LAN.
func TestGatewaysOwnUpdateGoesToOnUpdateNotToTheLAN(t *testing.T) {
	r := newRig(t, time.Minute, false)
	got := make(chan wire.UpdatePush, 4)
	r.b.opts.OnUpdate = func(p wire.UpdatePush) { got <- p }
	publishRetained(t, r.cloud.url, wire.UpdateTopic(testSite, testGateway), gatewayPush(t, testGateway))
	r.start()
	r.connected()
	select {
	case p := <-got:
		if p.Unit != testGateway || p.Program != "kakou-gateway" || p.Version != "2.1.0" {
			t.Fatalf("OnUpdate got %+v", p)
		}
	case <-time.After(hangGuard):
		t.Fatal("the gateway's own update never reached OnUpdate")
	}
	// A unit's push after it is relayed: once it is on the LAN, the
	// gateway's would have been too, had it been relayed.
	unitPush := mustJSON(t, wire.UpdatePush{Schema: wire.SchemaVersion, Site: testSite, Unit: "door-1",
		Program: "kakou-unit", Version: "1.5.0", Arch: "armv6", URL: "https://collector.test/u",
		SHA256: strings.Repeat("0", 64), Size: 10, IssuedAt: time.Now().UTC()})
	publishRetained(t, r.cloud.url, wire.UpdateTopic(testSite, "door-1"), unitPush)
	waitFor(t, "door-1's update on the LAN", func() bool {
		_, ok := retained(t, r.lan.url, wire.UpdateTopic(testSite, "door-1"))
		return ok
	})
	if _, ok := retained(t, r.lan.url, wire.UpdateTopic(testSite, testGateway)); ok {
		t.Fatal("the gateway's own update was relayed to the LAN as if for a unit")
	}
}

// A push on the gateway's topic naming another addressee is a forgery or
// a mistake at the centre: dropped before the updater sees it.
func TestGatewayUpdateNamingAnotherAddresseeIsDropped(t *testing.T) {
	r := newRig(t, time.Minute, false)
	got := make(chan wire.UpdatePush, 4)
	r.b.opts.OnUpdate = func(p wire.UpdatePush) { got <- p }
	r.start()
	r.connected()
	publishRetained(t, r.cloud.url, wire.UpdateTopic(testSite, testGateway), gatewayPush(t, "door-1"))
	publishRetained(t, r.cloud.url, wire.UpdateTopic(testSite, testGateway), []byte("{not json"))
	publishRetained(t, r.cloud.url, wire.UpdateTopic(testSite, testGateway), gatewayPush(t, testGateway))
	var p wire.UpdatePush
	select {
	case p = <-got: // the good one, last: the two before it were dropped
	case <-time.After(hangGuard):
		t.Fatal("the good push never reached OnUpdate")
	}
	if p.Unit != testGateway {
		t.Fatalf("OnUpdate got a push for %s", p.Unit)
	}
	if len(got) != 0 {
		t.Fatalf("%d more pushes reached OnUpdate", len(got))
	}
}

// The update's outcome rides in the gateway's own status, published as
// soon as it changes rather than at the next heartbeat (an hour here).
func TestGatewayStatusCarriesItsUpdateReportAtOnce(t *testing.T) {
	r := newRig(t, time.Minute, false)
	statuses := watch(t, r.cloud.url, "status-watch", wire.StatusTopic(testSite, testGateway))
	r.start()
	r.connected()
	awaitStatus(t, statuses, "birth without a report", func(s wire.Status, _ paho.Message) bool {
		return s.State == wire.Online && s.Update == nil
	})
	r.b.SetUpdate(&wire.UpdateReport{Program: "kakou-gateway", Version: "2.1.0", Previous: "2.0.0", Phase: "rolled-back",
		Reason: "kakou-gateway 2.1.0 not healthy within 2m0s: bridge not connected though the cloud broker answers"})
	s := awaitStatus(t, statuses, "the rollback in the status", func(s wire.Status, _ paho.Message) bool {
		return s.Update != nil
	})
	if s.Update.Phase != "rolled-back" || !strings.Contains(s.Update.Reason, "bridge not connected") {
		t.Fatalf("status update %+v", s.Update)
	}
}
