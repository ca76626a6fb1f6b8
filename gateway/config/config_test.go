package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// repoRoot makes the config's relative policy path resolve as it does
// when the gateway is started from the repository root.
func repoRoot(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
}

func TestRiversideMarketConfigLoads(t *testing.T) {
	repoRoot(t)
	cfg, err := LoadConfig("configs/gateway-riverside-market.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Site != "riverside-market" || cfg.Facility != "supermarket" || cfg.LAN.Listen != "127.0.0.1:18840" ||
		cfg.Cloud.Broker != "tcp://127.0.0.1:18830" || cfg.Web.Listen != "127.0.0.1:18091" ||
		cfg.Cloud.AckTimeout.Duration != 10*time.Second {
		t.Fatalf("loaded %+v", cfg)
	}
	if r := cfg.Roles(); len(r) != 4 || r["entrance-2"] != "in" || r["exit-1"] != "out" {
		t.Fatalf("roles %v", r)
	}
	n, err := cfg.Capacity()
	if err != nil || n != 200 {
		t.Fatalf("capacity %d err %v, want 200 from the supermarket policy", n, err)
	}
	if len(cfg.Managers) == 0 {
		t.Fatal("the example names no site manager: nobody could correct the count")
	}
}

func TestBadConfigReportsEveryProblemWithItsKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(path, []byte(`
site = "Riverside Market"
data_dir = ""
colour = "blue"
[lan]
listen = "nowhere"
[cloud]
broker = "http://cloud"
cert_file = "c.pem"
ack_timeout = "1ms"
subscribe_qos = 2
[web]
listen = ":"
[occupancy]
capacity = 300
[[lanes]]
unit = "e1"
role = "sideways"
[[lanes]]
unit = "e1"
role = "in"
`), 0o600)
	_, err := LoadConfig(path)
	var cerr *ConfigError
	if !errors.As(err, &cerr) {
		t.Fatalf("error %v, want *ConfigError", err)
	}
	want := []string{"colour", "site", "data_dir", "lan.listen", "web.listen", "cloud.broker",
		"cloud.cert_file", "cloud.ack_timeout", "cloud.subscribe_qos", "occupancy.capacity", "lanes[0].role", "lanes[1].unit"}
	keys := map[string]bool{}
	for _, p := range cerr.Problems {
		keys[p.Key] = true
	}
	for _, k := range want {
		if !keys[k] {
			t.Errorf("no problem reported for %s in:\n%v", k, err)
		}
	}
	if !strings.Contains(err.Error(), path+": colour: unknown key") {
		t.Errorf("message does not name the file and key:\n%v", err)
	}
}

// TestCapacityIsThePolicysAndTheOldKeySaysWhatToWriteInstead: the cap
// is set in one place, the policy; [occupancy] capacity is refused with
// where the cap now lives, and a missing policy file is reported.
func TestCapacityIsThePolicysAndTheOldKeySaysWhatToWriteInstead(t *testing.T) {
	cfg := Default()
	cfg.Site, cfg.DataDir, cfg.Cloud.Broker = "s", "d", "tcp://127.0.0.1:1883"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "policy.path") {
		t.Fatalf("no policy: %v, want policy.path reported", err)
	}
	cfg.Policy.Path = filepath.Join(t.TempDir(), "missing.toml")
	if _, err := cfg.Capacity(); err == nil || !strings.Contains(err.Error(), "policy.path") {
		t.Fatalf("missing policy file: %v", err)
	}
	n := 50
	cfg.Occupancy.Capacity = &n
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "occupancy.capacity") || !strings.Contains(err.Error(), "[checks.capacity] max") {
		t.Fatalf("occupancy.capacity: %v, want it refused naming the policy's [checks.capacity] max", err)
	}
}

func TestManagersNeedAnIDANameAndAPINHashNeverAPIN(t *testing.T) {
	cfg := Default()
	cfg.Site, cfg.DataDir, cfg.Cloud.Broker, cfg.Policy.Path = "s", "d", "tcp://127.0.0.1:1883", "p.toml"
	cfg.Managers = []Manager{{ID: "wang", Name: "王经理", PINHash: "2468"}, {ID: "wang", Name: "", PINHash: "pbkdf2-sha256$1$a$b"}}
	err := cfg.Validate()
	for _, k := range []string{"managers[0].pin_hash", "managers[1].id", "managers[1].name"} {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s not reported in %v", k, err)
		}
	}
}
