package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	cloudfleet "github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/internal/testenv"
)

// TestRolloutFromTheAPIGoesToTheCanaryFirstThenToTheSiteOncePromoted:
// central monitoring starts a rollout of kakou-unit 1.5.0 to one site
// through the real collector's API, with gate-1 as its canary. Only
// gate-1 is pushed; it downloads the binary from the collector's update
// files, installs, restarts and keeps it; promoting then reaches gate-2,
// which does the same; the rollout view shows both kept.
func TestRolloutFromTheAPIGoesToTheCanaryFirstThenToTheSiteOncePromoted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	updates := filepath.Join(dir, "updates")
	bin := filepath.Join(updates, "kakou-unit", "1.5.0", update.Arch())
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "kakou-unit"), []byte("kakou-unit 1.5.0"), 0o644)
	// The collector's public https address: its update files behind TLS.
	files := httptest.NewTLSServer(cloudfleet.UpdateFiles(updates))
	defer files.Close()
	pub, priv, _ := ed25519.GenerateKey(nil)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	keyPath := filepath.Join(dir, "policy.key")
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	c := startCollector(t, ctx, fmt.Sprintf(`[[api_tokens]]
token = "centre-token-0123456789abcdef"
user = "zhang"
role = "monitor"
[broker]
embedded = true
listen = "127.0.0.1:0"
[policy]
signing_key_file = %q
[updates]
dir = %q
base_url = %q
`, keyPath, updates, files.URL))

	defer func(v string) { unit.Version = v }(unit.Version)
	unit.Version = "1.4.0"
	gates := map[string]*rolloutGate{}
	for _, id := range []string{"gate-1", "gate-2"} {
		g := &rolloutGate{dir: filepath.Join(dir, id)}
		g.cfg = writeRolloutUnitConfig(t, g.dir, id, c.BrokerURL(), pub, files)
		g.u, g.done = runUpdatingUnit(t, ctx, g.cfg)
		gates[id] = g
	}
	defer func() {
		cancel()
		for _, g := range gates {
			<-g.done
			g.u.Close()
		}
	}()
	testenv.Await(t, "both units online", patience, func() bool { return len(fleet(t, c)) == 2 })

	code, body := centreCall(t, c, "POST", "/api/v1/updates",
		`{"program": "kakou-unit", "version": "1.5.0", "scope": {"sites": ["estate"]}, "canary": ["estate/gate-1"]}`)
	if code != 200 || body["pushed"] != 1.0 || body["stage"] != "canary" {
		t.Fatalf("start: %d %v", code, body)
	}
	unit.Version = "1.5.0" // what systemd starts after the update
	gates["gate-1"].restart(t, ctx)
	testenv.Await(t, "the canary keeps 1.5.0", patience, func() bool { return updatePhase(t, gates["gate-1"].dir) == "kept" })
	testenv.Await(t, "the canary's outcome at the centre", patience, func() bool {
		return rolloutPhases(t, c)["estate/gate-1"] == "kept"
	})
	if updatePhase(t, gates["gate-2"].dir) != "" {
		t.Fatal("gate-2 was updated before the rollout was promoted")
	}
	if code, body := centreCall(t, c, "POST", "/api/v1/updates/kakou-unit/1.5.0/promote", ""); code != 200 || body["pushed"] != 1.0 {
		t.Fatalf("promote: %d %v", code, body)
	}
	gates["gate-2"].restart(t, ctx)
	testenv.Await(t, "both kept at the centre", patience, func() bool {
		p := rolloutPhases(t, c)
		return p["estate/gate-1"] == "kept" && p["estate/gate-2"] == "kept"
	})
	if code, body := centreCall(t, c, "POST", "/api/v1/updates/kakou-unit/1.5.0/promote", ""); code != 409 {
		t.Errorf("promoting twice: %d %v, want 409", code, body)
	}
}

// rolloutGate is one in-process unit of the site, restarted as systemd
// would after an update.
type rolloutGate struct {
	dir, cfg string
	u        *unit.Unit
	done     <-chan error
}

// restart waits for the unit to end for its update and starts it again.
func (g *rolloutGate) restart(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case err := <-g.done:
		if !errors.Is(err, unit.ErrRestart) {
			t.Fatalf("%s: Run returned %v, want unit.ErrRestart", g.dir, err)
		}
	case <-ctx.Done():
		t.Fatalf("%s did not restart for the update", g.dir)
	}
	g.u.Close()
	g.u, g.done = runUpdatingUnit(t, ctx, g.cfg)
}

// writeRolloutUnitConfig is writeUpdateUnitConfig's unit, named id, with
// its own data and program folders under dir.
func writeRolloutUnitConfig(t *testing.T, dir, id, broker string, pub ed25519.PublicKey, files *httptest.Server) string {
	t.Helper()
	root := filepath.Join(dir, "lib")
	os.MkdirAll(filepath.Join(root, "1.4.0"), 0o755)
	os.Symlink("1.4.0", filepath.Join(root, "current"))
	cfg := writeUpdateUnitConfig(t, dir, broker, root, pub, files)
	b, _ := os.ReadFile(cfg)
	b = bytes.Replace(b, []byte(`unit = "gate-1"`), []byte(fmt.Sprintf("unit = %q", id)), 1)
	os.WriteFile(cfg, b, 0o600)
	return cfg
}

// centreCall is central monitoring calling the collector's API with its token.
func centreCall(t *testing.T, c interface{ HTTPURL() string }, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, c.HTTPURL()+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer centre-token-0123456789abcdef")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// rolloutPhases is the rollout view's phase per device.
func rolloutPhases(t *testing.T, c interface{ HTTPURL() string }) map[string]string {
	t.Helper()
	_, body := centreCall(t, c, "GET", "/api/v1/updates/kakou-unit/1.5.0", "")
	out := map[string]string{}
	devs, _ := body["devices"].([]any)
	for _, d := range devs {
		m, _ := d.(map[string]any)
		out[fmt.Sprint(m["site"], "/", m["unit"])] = fmt.Sprint(m["phase"])
	}
	return out
}
