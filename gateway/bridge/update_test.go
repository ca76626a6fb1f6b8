package bridge

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func TestBridgeRelaysUpdatePushesRetainedToTheLAN(t *testing.T) {
	r := newRig(t, time.Minute, false)
	push := mustJSON(t, wire.UpdatePush{Schema: wire.SchemaVersion, Site: testSite, Unit: "door-1",
		Program: "kakou-unit", Version: "1.5.0", Arch: "armv6", URL: "https://collector.test/u",
		SHA256: strings.Repeat("0", 64), Size: 10, IssuedAt: time.Now().UTC()})
	publishRetained(t, r.cloud.url, wire.UpdateTopic(testSite, "door-2"), push) // addressed to door-1: dropped
	r.start()
	r.connected()
	publishRetained(t, r.cloud.url, wire.UpdateTopic(testSite, "door-1"), push)
	waitFor(t, "door-1's update retained on the LAN", func() bool {
		got, ok := retained(t, r.lan.url, wire.UpdateTopic(testSite, "door-1"))
		return ok && bytes.Equal(got, push)
	})
	if _, ok := retained(t, r.lan.url, wire.UpdateTopic(testSite, "door-2")); ok {
		t.Fatal("an update on another unit's topic was relayed")
	}
}
