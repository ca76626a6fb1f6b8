package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeConfig writes a minimal valid gateway config followed by extra.
func writeConfig(t *testing.T, extra string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gateway.toml")
	body := `site = "s1"
data_dir = "/var/lib/kakou/gateway"
[cloud]
broker = "tcp://127.0.0.1:1883"
` + extra
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUpdateTableIsReadWithItsDefaults(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, `[policy]
path = "p.toml"
verify_keys = ["/etc/kakou/centre.pub"]
[update]
root = "/var/lib/kakou/gateway/programs"
budget_mib = 64
`))
	if err != nil {
		t.Fatal(err)
	}
	u := cfg.Update
	if u.Root != "/var/lib/kakou/gateway/programs" || u.BudgetMiB != 64 || u.WindowOrDefault() != 2*time.Minute || u.MaxStartsOrDefault() != 3 {
		t.Fatalf("update %+v", u)
	}
}

func TestBadUpdateTableReportsEveryProblemWithItsKey(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, `[policy]
path = "p.toml"
verify_keys = ["", "/k.pem", "/k.pem"]
[update]
root = "programs"
budget_mib = 5
window = "1s"
max_starts = 11
colour = "red"
`))
	if err == nil {
		t.Fatal("a bad [update] table loaded")
	}
	for _, key := range []string{"policy.verify_keys[0]", "policy.verify_keys[2]", "update.root: \"programs\"",
		"update.budget_mib", "update.window", "update.max_starts", "update.colour"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("no problem named %s in:\n%v", key, err)
		}
	}
}

// An unsigned update is never installed, so updates without the centre's
// key are a configuration error, not a gateway that refuses every push.
func TestUpdatesWithoutTheCentresKeyAreRefused(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, `[policy]
path = "p.toml"
[update]
root = "/var/lib/kakou/gateway/programs"
`))
	if err == nil || !strings.Contains(err.Error(), "update.root: updates need the centre's public key in policy.verify_keys") {
		t.Fatalf("err %v, want the missing verify_keys named", err)
	}
}

// A confused installer sets the window but forgets the root: say so
// rather than leave updates silently off.
func TestUpdateKeysWithoutARootAreRefused(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, `[policy]
path = "p.toml"
[update]
window = "5m"
`))
	if err == nil || !strings.Contains(err.Error(), "update.root: is required") {
		t.Fatalf("err %v, want update.root required", err)
	}
}
