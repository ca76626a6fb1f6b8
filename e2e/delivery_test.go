package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestEveryLoggedEntryReachesTheCloudExactlyOnce runs the whole path in one
// process: a collector with its embedded broker and two simulated units on
// ephemeral ports. Every entry in each unit's ledger must be in the cloud
// store once, re-sending all of them must change nothing, and the fleet view
// must follow the units online and offline.
func TestEveryLoggedEntryReachesTheCloudExactlyOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, `[broker]
embedded = true
listen = "127.0.0.1:0"
`)
	runPath(t, ctx, c, c.BrokerURL())
}

// TestEndToEndIntegrationMosquitto runs the same path through Debian's
// mosquitto instead of the embedded broker: the collector as an ordinary
// client of an external broker, as a city deployment runs it.
func TestEndToEndIntegrationMosquitto(t *testing.T) {
	addr := startMosquitto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = false\nurl = \"tcp://%s\"\n", addr))
	runPath(t, ctx, c, "tcp://"+addr)
}

// runPath starts two units against brokerURL, waits for their ledgers to
// drain and checks the cloud against them.
func runPath(t *testing.T, ctx context.Context, c *collector.Collector, brokerURL string) {
	unitCtx, stopUnits := context.WithCancel(ctx)
	units := map[string]*unit.Unit{
		"gate-a": startUnit(t, unitCtx, "community-a", "gate-a", "in", brokerURL),
		"door-b": startUnit(t, unitCtx, "market-b", "door-b", "out", brokerURL),
	}
	sites := map[string]string{"gate-a": "community-a", "door-b": "market-b"}
	for id, u := range units {
		testenv.Await(t, id+" ledger drained", patience, func() bool {
			n, _, err := u.Ledger().Backlog(ctx)
			logged, _ := u.Ledger().Entries(ctx, 0, peoplePerUnit+1)
			return err == nil && n == 0 && len(logged) == peoplePerUnit
		})
		testenv.Await(t, id+" entries stored", patience, func() bool {
			return len(cloudEntries(t, c, sites[id], id)) >= peoplePerUnit
		})
		assertSameEntries(t, ctx, u, cloudEntries(t, c, sites[id], id))
	}
	resendAll(t, ctx, c, brokerURL, units["gate-a"])
	assertSameEntries(t, ctx, units["gate-a"], cloudEntries(t, c, "community-a", "gate-a"))
	assertFleet(t, c, true)
	stopUnits()
	testenv.Await(t, "units reported offline", patience, func() bool { return fleetState(t, c) == "offline" })
}

// assertSameEntries checks the cloud holds exactly the ledger's entries:
// same ids at the same sequence numbers, none missing, none twice.
func assertSameEntries(t *testing.T, ctx context.Context, u *unit.Unit, cloud []wire.Entry) {
	t.Helper()
	logged, err := u.Ledger().Entries(ctx, 0, 10*peoplePerUnit)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]uint64{}
	for _, e := range cloud {
		if _, dup := seen[e.ID]; dup {
			t.Fatalf("entry %s stored twice in the cloud", e.ID)
		}
		seen[e.ID] = e.Seq
	}
	for _, e := range logged {
		if seq, ok := seen[e.ID]; !ok || seq != e.Seq {
			t.Fatalf("ledger entry %s (seq %d) is missing from the cloud or has seq %d there", e.ID, e.Seq, seq)
		}
	}
	if len(cloud) != len(logged) {
		t.Fatalf("cloud has %d entries for the unit, its ledger %d", len(cloud), len(logged))
	}
}

// resendAll publishes every ledger entry again, as a unit recovering from a
// crash between publishing and marking delivered would.
func resendAll(t *testing.T, ctx context.Context, c *collector.Collector, brokerURL string, u *unit.Unit) {
	t.Helper()
	logged, err := u.Ledger().Entries(ctx, 0, 10*peoplePerUnit)
	if err != nil {
		t.Fatal(err)
	}
	cl := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(brokerURL).SetClientID("e2e-resender"))
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("resender connect: %v", tok.Error())
	}
	defer cl.Disconnect(100)
	for _, e := range logged {
		b, _ := json.Marshal(e)
		if tok := cl.Publish(wire.EntryTopic(e.Site, e.Unit), wire.QoSEntry, false, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("resend: %v", tok.Error())
		}
	}
	// A marker published last on the same connection: the broker forwards a
	// client's messages in order and the collector stores them in order, so
	// once the marker is stored every re-sent entry has been handled.
	marker := logged[0]
	marker.ID, marker.Site, marker.Unit, marker.Seq = "e2e-marker", "e2e", "marker", 1
	b, _ := json.Marshal(marker)
	cl.Publish(wire.EntryTopic("e2e", "marker"), wire.QoSEntry, false, b).WaitTimeout(10 * time.Second)
	testenv.Await(t, "re-sent entries handled", patience, func() bool { return len(cloudEntries(t, c, "e2e", "marker")) == 1 })
}

// assertFleet checks both units are listed with their sites and counts.
func assertFleet(t *testing.T, c *collector.Collector, online bool) {
	t.Helper()
	for _, u := range fleet(t, c) {
		if u.ID == "marker" {
			continue
		}
		if u.Online != online || u.EntriesToday != peoplePerUnit || u.Site == "" || u.LastSeen.IsZero() {
			t.Errorf("fleet view of %s: %+v, want online=%v with %d entries today", u.ID, u, online, peoplePerUnit)
		}
	}
}

// fleetState is "online" or "offline" when every unit is, else "mixed".
func fleetState(t *testing.T, c *collector.Collector) string {
	on, off := 0, 0
	for _, u := range fleet(t, c) {
		switch {
		case u.ID == "marker":
		case u.Online:
			on++
		default:
			off++
		}
	}
	switch {
	case on == 0 && off > 0:
		return "offline"
	case off == 0 && on > 0:
		return "online"
	}
	return "mixed"
}
