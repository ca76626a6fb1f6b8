package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestDashboardIntegrationChromium loads the dashboard in Debian's headless
// chromium while two units feed the collector, and checks that the page's
// script fetched the API and rendered both units and their entries.
func TestDashboardIntegrationChromium(t *testing.T) {
	browser := testenv.Need(t, "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	unitCtx, stopUnits := context.WithCancel(ctx)
	defer stopUnits()
	startUnit(t, unitCtx, "community-a", "gate-a", "in", c.BrokerURL())
	startUnit(t, unitCtx, "market-b", "door-b", "out", c.BrokerURL())
	publishStatus(t, c.BrokerURL(), wire.Status{Schema: wire.SchemaVersion, Site: "market-b", Unit: "door-c",
		State: wire.Online, Devices: []wire.Device{{Name: "scanner", Detail: "QR scanner unplugged"}}})
	testenv.Await(t, "three units online", patience, func() bool { return fleetState(t, c) == "online" && len(fleet(t, c)) == 3 })
	testenv.Await(t, "entries stored", patience, func() bool { return len(cloudEntries(t, c, "market-b", "door-b")) > 0 })

	dom := renderDOM(t, ctx, browser, c.HTTPURL()+"/")
	for _, want := range []string{"gate-a", "door-b", "community-a", "market-b"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered dashboard lacks %q", want)
		}
	}
	if !strings.Contains(dom, "扫码器 故障") {
		t.Error("dashboard does not show door-c's scanner fault")
	}
	if !strings.Contains(dom, "卡口") {
		t.Error("dashboard is not in Chinese by default")
	}
	if t.Failed() {
		t.Logf("rendered DOM:\n%s", dom)
	}
}

// renderDOM returns the page's DOM after its scripts have run. The virtual
// time budget lets the page's timers and fetches complete before the dump.
func renderDOM(t *testing.T, ctx context.Context, browser, url string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=5000", "--dump-dom", url)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

// publishStatus sends a retained status as a unit's uplink would.
func publishStatus(t *testing.T, brokerURL string, s wire.Status) {
	t.Helper()
	s.Time = time.Now()
	b, _ := json.Marshal(s)
	cl := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(brokerURL).SetClientID("status-" + s.Unit))
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer cl.Disconnect(100)
	if tok := cl.Publish(wire.StatusTopic(s.Site, s.Unit), wire.QoSStatus, true, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish status: %v", tok.Error())
	}
}
