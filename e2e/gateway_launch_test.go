package e2e

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// buildGateway builds kakou-gateway stamped with version into dir.
func buildGateway(t *testing.T, dir, version string) string {
	t.Helper()
	out := filepath.Join(dir, "kakou-gateway")
	cmd := exec.Command("go", "build", "-o", out,
		"-ldflags", "-X github.com/kakou/kakou/gateway/gateway.Version="+version, "./gateway/cmd/kakou-gateway")
	cmd.Dir = testenv.RepoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", version, err, b)
	}
	return out
}

// TestPackagedGatewayHandsOverToTheNewerInstalledVersion: the service
// always starts the packaged binary; with an update installed under
// [update] root it execs <root>/current/kakou-gateway (update.Launch in
// main), so the centre hears the installed version.
func TestPackagedGatewayHandsOverToTheNewerInstalledVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("tests with the programs as processes are skipped under -short")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "programs")
	packaged := buildGateway(t, filepath.Join(dir, "usr-bin"), "2.0.0")
	buildGateway(t, filepath.Join(root, "2.1.0"), "2.1.0")
	os.Symlink("2.1.0", filepath.Join(root, "current"))

	addr := freePort(t)
	c := startCloudProc(t, binaries(t).cloud, dir, fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", addr), "tcp://"+addr)
	pub, _, _ := ed25519.GenerateKey(nil)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	key := filepath.Join(dir, "centre.pub")
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	cfg := filepath.Join(dir, "gateway.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`site = "site-l"
gateway = "gw"
data_dir = %q
[lan]
listen = %q
[cloud]
broker = %q
[web]
listen = %q
[policy]
path = %q
verify_keys = [%q]
[update]
root = %q
`, filepath.Join(dir, "gateway"), freePort(t), c.brokerURL, freePort(t), capacityPolicy(t, 0), key, root)), 0o600)
	startProc(t, packaged, filepath.Join(dir, "gateway.log"), "-config", cfg)

	got := make(chan wire.Status, 16)
	cl := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(c.brokerURL).SetClientID("e2e-watch-gw"))
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer cl.Disconnect(100)
	cl.Subscribe(wire.StatusTopic("site-l", "gw"), 1, func(_ mqtt.Client, m mqtt.Message) {
		if st, err := wire.DecodeStatus(m.Payload()); err == nil {
			got <- st
		}
	}).WaitTimeout(10 * time.Second)
	var firmware string
	testenv.Await(t, "the gateway's status at the centre", patience, func() bool {
		select {
		case st := <-got:
			firmware = st.Firmware
			return st.State == wire.Online
		default:
			return false
		}
	})
	if firmware != "2.1.0" {
		t.Fatalf("the gateway runs %q, want the installed 2.1.0 the packaged 2.0.0 hands over to", firmware)
	}
}
