package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/config"
	"github.com/kakou/kakou/gateway/gateway"
	"github.com/kakou/kakou/internal/testenv"
)

// TestGatewayCountAndCorrectionReachTheCentreIntegration: a site manager
// signs in at the gateway's page and sets the count to 215 against the
// policy's cap of 200; through the collector's broker, /api/v1/occupancy
// shows the gateway's 215 / 200 (in − out at the centre is 0, so the
// figure shown is provably the gateway's), the correction is listed at
// the centre with the manager who made it, and once the gateway stops
// its figure is marked stale.
func TestGatewayCountAndCorrectionReachTheCentreIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a collector and a gateway")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	g := startManagedGateway(t, ctx, "market", c.BrokerURL(), 200)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	var session struct{ CSRF string }
	postJSON(t, browser, g.WebURL()+"/api/v1/sign-in", "", g.WebURL(), `{"manager":"wang","pin":"2468"}`, &session)
	postJSON(t, browser, g.WebURL()+"/api/v1/occupancy/correct", session.CSRF, g.WebURL(),
		`{"count":215,"reason":"入口排队，人工清点"}`, nil)

	type site struct {
		Site, Source   string
		Inside         int
		Capacity       int
		Estimate, Full bool
		Stale          bool
		In, Out        int
		LastCorrection *wire.OccupancyCorrection `json:"last_correction"`
	}
	market := func() (site, bool) {
		var occ struct{ Sites []site }
		getJSON(t, c.HTTPURL()+"/api/v1/occupancy", &occ)
		for _, s := range occ.Sites {
			if s.Site == "market" {
				return s, true
			}
		}
		return site{}, false
	}
	testenv.Await(t, "the gateway's count at the centre", 20*time.Second, func() bool {
		s, ok := market()
		return ok && s.Source == "gateway" && s.Inside == 215
	})
	s, _ := market()
	if s.Capacity != 200 || !s.Full || s.Estimate || s.Stale || s.In-s.Out == 215 ||
		s.LastCorrection == nil || s.LastCorrection.ByName != "王经理" {
		t.Fatalf("market at the centre: %+v (correction %+v)", s, s.LastCorrection)
	}
	var corr struct {
		Corrections []struct {
			Count  int
			By     string
			ByName string `json:"by_name"`
			Reason string
		}
	}
	testenv.Await(t, "the correction record at the centre", 20*time.Second, func() bool {
		getJSON(t, c.HTTPURL()+"/api/v1/occupancy/corrections?site=market", &corr)
		return len(corr.Corrections) == 1
	})
	if k := corr.Corrections[0]; k.Count != 215 || k.By != "wang" || k.ByName != "王经理" || !strings.Contains(k.Reason, "清点") {
		t.Fatalf("correction at the centre: %+v", k)
	}

	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := g.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	testenv.Await(t, "the stopped gateway's figure marked stale", 20*time.Second, func() bool {
		s, _ := market()
		return s.Stale && s.Inside == 215
	})
}

// startManagedGateway is startGateway with a site manager, wang (PIN
// 2468), who may correct the count; the test stops it itself.
func startManagedGateway(t *testing.T, ctx context.Context, site, cloudURL string, capacity int) *gateway.Gateway {
	t.Helper()
	hash, err := wire.HashPIN("2468")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Site, cfg.Gateway, cfg.Facility = site, "gw", "market"
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.LAN.Listen, cfg.Web.Listen, cfg.Cloud.Broker = "127.0.0.1:0", "127.0.0.1:0", cloudURL
	cfg.Policy.Path = capacityPolicy(t, capacity)
	cfg.Managers = []config.Manager{{ID: "wang", Name: "王经理", PINHash: hash}}
	g, err := gateway.New(cfg, testLogger(t, "gateway"))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return g
}

func postJSON(t *testing.T, c *http.Client, url, csrf, origin, body string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", url, resp.Status)
	}
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
}
