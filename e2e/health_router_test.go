package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential/provincialsim"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestProvincialHealthCodeFromScanToCentre: a provincial health code (a
// URL on the province's host) scanned at a community gate is asked of the
// simulated provincial service and judged: red is denied, and the centre
// has the entry with the status and the verifier's name. The service goes
// down: after breaker_failures scans the unit stops asking, every code is
// a timeout the policy's offline rule registers, the unit reports its
// health_service device at fault to the centre, and nothing of the
// service's answer, the token or the app key is in the unit's ledger or
// the centre's entries.
func TestProvincialHealthCodeFromScanToCentre(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sim := provincialsim.Demo(time.Now())
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	brokerAddr := freePort(t)
	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", brokerAddr))
	const site, id = "sunshine-garden", "east-gate"
	var dataDir string
	unitCtx, stopUnit := context.WithCancel(ctx)
	defer stopUnit()
	u := runUnit(t, unitCtx, id, func(dir string) string {
		dataDir = filepath.Join(dir, "data")
		return provincialUnitConfig(t, site, id, dataDir, "tcp://"+brokerAddr, srv.URL)
	})
	code := func(tok string) []byte { return []byte(provincialsim.DemoCodeURL + tok) }

	red, err := u.Screen(ctx, code(provincialsim.DemoRed))
	if err != nil || red.Decision != wire.Deny || red.Credential.Result != "red" || red.Credential.Verifier != "gd-jkm" {
		t.Fatalf("red provincial code: %s %+v %v; want deny, red, answered by gd-jkm", red.Decision, red.Credential, err)
	}
	green, err := u.Screen(ctx, code(provincialsim.DemoGreen))
	if err != nil || green.Credential.Result != "green" || !hasReason(green, "health_code_green") {
		t.Fatalf("green provincial code: %s %+v %v", green.Decision, green.Credential, err)
	}

	sim.SetMode(provincialsim.Fail)
	for range 2 { // breaker_failures
		u.Screen(ctx, code(provincialsim.DemoYellow))
	}
	calls := sim.Calls()
	down, err := u.Screen(ctx, code(provincialsim.DemoYellow))
	if err != nil || down.Credential.Result != "timeout" || down.Decision != wire.Register || sim.Calls() != calls {
		t.Fatalf("breaker open: %s %+v after %d requests; want timeout registered by the offline rule, no request",
			down.Decision, down.Credential, sim.Calls()-calls)
	}
	testenv.Await(t, "the unit reports its health-code service at fault", patience, func() bool {
		return deviceFault(u.Devices(), "health_service")
	})
	testenv.Await(t, "the centre sees the fault and has the entries", patience, func() bool {
		var units struct {
			Units []struct {
				ID      string        `json:"id"`
				Devices []wire.Device `json:"devices"`
			} `json:"units"`
		}
		getJSON(t, c.HTTPURL()+"/api/v1/units", &units)
		fault := false
		for _, x := range units.Units {
			fault = fault || (x.ID == id && deviceFault(x.Devices, "health_service"))
		}
		return fault && len(cloudEntries(t, c, site, id)) >= 5
	})
	var atCentre *wire.Entry
	entries := cloudEntries(t, c, site, id)
	for i := range entries {
		if entries[i].ID == red.ID {
			atCentre = &entries[i]
		}
	}
	// The API masks the subject for its reader; the rest is the unit's.
	if atCentre == nil || atCentre.Credential.Result != "red" || atCentre.Credential.Verifier != "gd-jkm" {
		t.Fatalf("the centre's entry %+v, want the unit's credential %+v", atCentre, red.Credential)
	}
	stopUnit()
	centre, _ := json.Marshal(entries)
	ledger := readDir(t, dataDir)
	for _, secret := range []string{provincialsim.DemoRed, provincialsim.DemoGreen, provincialsim.DemoYellow,
		provincialsim.DemoAppKey, "colorName", "阴性", "hsjc", "traceId", "jkm.example.gov.cn"} {
		if bytes.Contains(centre, []byte(secret)) {
			t.Errorf("the centre's entries hold %q", secret)
		}
		if bytes.Contains(ledger, []byte(secret)) {
			t.Errorf("the unit's data directory holds %q", secret)
		}
	}
}

func provincialUnitConfig(t *testing.T, site, id, dataDir, brokerURL, simURL string) string {
	policy := filepath.Join(testenv.RepoRoot(t), "configs", "policies", "community-normal.toml")
	return fmt.Sprintf(`site = %q
unit = %q
facility = "community"
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
ack_timeout = "2s"
heartbeat = "1s"
[policy]
path = %q
[simulator]
mean_interval = "24h"
max_people = 1
[[credentials.health.routes]]
url_host = %q
url_path = "/hc"
verifier = "gd-jkm"
[[credentials.health.verifiers]]
name = "gd-jkm"
kind = "online"
url = %q
token_field = "qrToken"
token_from = "url_query:t"
headers = { X-App-Key = %q }
status_field = "data.color"
status_map = { "0" = "green", "1" = "yellow", "2" = "red", "9" = "expired", "-1" = "not_found" }
nat_field = "data.hsjc.sampleTime"
travel_field = "data.xck"
timeout = "1s"
cache_ttl = "60s"
breaker_failures = 2
breaker_cooldown = "1h"
`, site, id, dataDir, brokerURL, policy, provincialsim.DemoHost, simURL+provincialsim.Path, provincialsim.DemoAppKey)
}

func hasReason(e wire.Entry, code string) bool {
	for _, r := range e.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

func deviceFault(ds []wire.Device, name string) bool {
	for _, d := range ds {
		if d.Name == name && !d.OK {
			return strings.Contains(d.Detail, "offline rule")
		}
	}
	return false
}

// readDir is every file under dir, concatenated: the ledger and its WAL.
func readDir(t *testing.T, dir string) []byte {
	var all []byte
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			all = append(all, b...)
		}
		return nil
	})
	if len(all) == 0 {
		t.Fatalf("nothing in %s", dir)
	}
	return all
}
