package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/gateway/config"
	"github.com/kakou/kakou/gateway/gateway"
)

// The programs in this test process: a collector (with its embedded
// broker when the config asks for it), a site gateway and simulated
// units, each on
// ephemeral ports with its data in a temporary directory, stopped when
// the test ends.

const peoplePerUnit = 150

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
	return runUnit(t, ctx, id, func(dir string) string {
		return fmt.Sprintf(`site = %q
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
	})
}

// runUnit runs the unit config(dir) describes, dir being its temporary
// directory, as kakou-unit does, until ctx ends.
func runUnit(t testing.TB, ctx context.Context, id string, config func(dir string) string) *unit.Unit {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "unit.toml")
	if err := os.WriteFile(cfgPath, []byte(config(dir)), 0o600); err != nil {
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

// startGateway runs a site gateway for site, as kakou-gateway does,
// bridging to the cloud broker at cloudURL; units connect to its
// LANURL. The cap is capacity, from the site's policy file (the one
// place a cap is set).
func startGateway(t testing.TB, ctx context.Context, site, cloudURL string, capacity int) *gateway.Gateway {
	t.Helper()
	cfg := config.Default()
	cfg.Site, cfg.Gateway, cfg.Facility = site, "gw", "supermarket"
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.LAN.Listen, cfg.Web.Listen, cfg.Cloud.Broker = "127.0.0.1:0", "127.0.0.1:0", cloudURL
	cfg.Policy.Path = capacityPolicy(t, capacity)
	g, err := gateway.New(cfg, testLogger(t, "gateway"))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := g.Shutdown(sctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
	})
	return g
}

// capacityPolicy writes a policy file whose [checks.capacity] is the cap
// (0: off); the gateway reads only that table of it.
func capacityPolicy(t testing.TB, capacity int) string {
	t.Helper()
	body := "[checks.capacity]\nmode = \"off\"\n"
	if capacity > 0 {
		body = fmt.Sprintf("[checks.capacity]\nmode = \"hard\"\nmax = %d\n", capacity)
	}
	path := filepath.Join(t.TempDir(), "policy.toml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testLogger(t testing.TB, name string) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("who", name)
	}
	return slog.New(slog.DiscardHandler)
}
