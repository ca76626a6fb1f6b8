package kakou

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
)

const peoplePerUnit = 150

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
		waitFor(t, ctx, id+" ledger drained", func() bool {
			n, _, err := u.Ledger().Backlog(ctx)
			logged, _ := u.Ledger().Entries(ctx, 0, peoplePerUnit+1)
			return err == nil && n == 0 && len(logged) == peoplePerUnit
		})
		waitFor(t, ctx, id+" entries stored", func() bool {
			return len(cloudEntries(t, c, sites[id], id)) >= peoplePerUnit
		})
		assertSameEntries(t, ctx, u, cloudEntries(t, c, sites[id], id))
	}
	resendAll(t, ctx, c, brokerURL, units["gate-a"])
	assertSameEntries(t, ctx, units["gate-a"], cloudEntries(t, c, "community-a", "gate-a"))
	assertFleet(t, c, true)
	stopUnits()
	waitFor(t, ctx, "units reported offline", func() bool { return fleetState(t, c) == "offline" })
}

func startCollector(t testing.TB, ctx context.Context, brokerTOML string) *collector.Collector {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cloud.toml")
	// Top-level keys before brokerTOML's first table stay top-level.
	top, tables, _ := strings.Cut(brokerTOML, "[")
	body := fmt.Sprintf("data_dir = %q\n%s[http]\nlisten = \"127.0.0.1:0\"\n[%s", filepath.Join(dir, "data"), top, tables)
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := collector.LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := collector.New(cfg, testLogger(t, "cloud"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Shutdown(sctx); err != nil {
			t.Errorf("collector shutdown: %v", err)
		}
	})
	return c
}

func startUnit(t testing.TB, ctx context.Context, site, id, lane, brokerURL string) *unit.Unit {
	t.Helper()
	return startUnitWith(t, ctx, site, id, lane, brokerURL, peoplePerUnit, "2ms")
}

// startUnitWith runs a unit whose simulated crowd is people long, one
// person every interval on average.
func startUnitWith(t testing.TB, ctx context.Context, site, id, lane, brokerURL string, people int, interval string) *unit.Unit {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "unit.toml")
	body := fmt.Sprintf(`site = %q
unit = %q
lane = %q
data_dir = %q
trust_clock = true
[console]
listen = "127.0.0.1:0"
[mqtt]
broker = %q
[simulator]
mean_interval = %q
max_people = %d
`, site, id, lane, filepath.Join(dir, "data"), brokerURL, interval, people)
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := unit.LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	u, err := unit.New(cfg, testLogger(t, id))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	t.Cleanup(func() {
		if err := <-done; err != nil {
			t.Errorf("unit %s: %v", id, err)
		}
		u.Close()
	})
	return u
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
	waitFor(t, ctx, "re-sent entries handled", func() bool { return len(cloudEntries(t, c, "e2e", "marker")) == 1 })
}

// cloudEntries reads a unit's entries through the public API.
func cloudEntries(t *testing.T, c *collector.Collector, site, unitID string) []wire.Entry {
	t.Helper()
	var body struct {
		Entries []wire.Entry `json:"entries"`
	}
	getJSON(t, c.HTTPURL()+"/api/v1/entries?limit=1000&site="+url.QueryEscape(site)+"&unit="+url.QueryEscape(unitID), &body)
	return body.Entries
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

type fleetUnit struct {
	ID           string    `json:"id"`
	Site         string    `json:"site"`
	Online       bool      `json:"online"`
	LastSeen     time.Time `json:"last_seen"`
	EntriesToday int       `json:"entries_today"`
}

func fleet(t *testing.T, c *collector.Collector) []fleetUnit {
	t.Helper()
	var body struct {
		Units []fleetUnit `json:"units"`
	}
	getJSON(t, c.HTTPURL()+"/api/v1/units", &body)
	return body.Units
}

func getJSON(t testing.TB, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// waitFor polls cond until it holds or ctx ends; it waits for progress and
// asserts nothing about speed.
func waitFor(t testing.TB, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting: %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func testLogger(t testing.TB, name string) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("who", name)
	}
	return slog.New(slog.DiscardHandler)
}
