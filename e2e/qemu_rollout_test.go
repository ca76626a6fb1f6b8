package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/cloud/collector"
	centre "github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/pki"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestRolloutThroughTheARMv6BinaryUnderQemu is a rollout as a Pi lives
// it: the ARMv6 kakou-unit 1.4.0 is the packaged /usr/bin binary, run
// under qemu-arm-static by a stand-in for systemd that follows
// kakou-unit.service (update-guard before every start, Type=notify,
// Restart=always). A real collector serves the binaries over HTTPS from
// its [updates] dir and the centre signs the pushes with its policy key
// (fleet.Rollout.Publish). Each subtest builds on the one before:
// a good version kept, a crashing one and a hanging one rolled back, a
// forged push and a truncated binary refused, one whose uplink never
// connects rolled back by Confirm's window; through all of it every
// entry the unit's ledger holds reaches the centre.
func TestRolloutThroughTheARMv6BinaryUnderQemu(t *testing.T) {
	if testing.Short() {
		t.Skip("building ARM binaries and running them under qemu is skipped under -short")
	}
	qemu := testenv.Need(t, "qemu-arm-static")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	bins := buildARM(t, filepath.Join(dir, "build"))
	r := startQemuRollout(t, ctx, dir, bins, armRunner(t, qemu, bins.crashing))

	for _, step := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"a good version is downloaded, started by the packaged binary's exec and kept", r.keepsAGoodVersion},
		{"a version that crashes at start is rolled back by the guard after max_starts", r.rollsBackACrashingVersion},
		{"a forged push and a truncated binary are refused with nothing switched", r.refusesForgedAndTruncated},
		{"a version that hangs at start is stopped by the start timeout and rolled back by the guard", r.rollsBackAHangingVersion},
		{"a version whose uplink never connects is rolled back by Confirm's window, its entries kept", r.rollsBackAnUnhealthyVersion},
	} {
		if !t.Run(step.name, step.run) {
			t.Logf("service history:\n%s", r.svc.history())
			return // each step starts where the one before left the unit
		}
	}
	r.everyEntryAtTheCentre(t)
}

// qemuRollout is the world the steps share.
type qemuRollout struct {
	ctx      context.Context
	dir      string // the unit's temp dir: data/, programs/, unit.toml
	bins     armBuilds
	c        *collector.Collector
	releases string // the collector's [updates] dir
	key      ed25519.PrivateKey
	pub      centre.Publisher
	proxy    *cutProxy // between the unit and the broker
	id       store.UnitID
	usrBin   string // the packaged binary
	svc      *service
}

const (
	qemuSite, qemuUnit = "qemu-site", "qemu-gate"
	qemuMaxStarts      = 2
	// qemuStartTimeout is the stand-in's TimeoutStartSec: the unit file's
	// 90s allows for enrolling at the first start; under qemu on a busy
	// machine the packaged unit says READY=1 within a few seconds.
	qemuStartTimeout = 20 * time.Second
)

func startQemuRollout(t *testing.T, ctx context.Context, dir string, bins armBuilds, wrap []string) *qemuRollout {
	t.Helper()
	r := &qemuRollout{ctx: ctx, dir: dir, bins: bins, releases: filepath.Join(dir, "releases"),
		id: store.UnitID{Site: qemuSite, Unit: qemuUnit}}
	caDir := filepath.Join(dir, "pki")
	ca, err := pki.Init(caDir, "qemu rollout CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := pki.Issue(caDir, pki.Request{Name: "collector", Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	pubKey, keyFile := r.writeKeys(t)
	os.MkdirAll(r.releases, 0o755)
	r.c = startCollector(t, ctx, fmt.Sprintf(`[broker]
embedded = true
listen = "127.0.0.1:0"
[http.tls]
cert_file = %q
key_file = %q
[updates]
dir = %q
[policy]
signing_key_file = %q
`, cert.Cert, cert.Key, r.releases, keyFile))
	if r.key, err = centre.LoadSigningKey(keyFile); err != nil {
		t.Fatal(err)
	}
	r.pub = mqttRetainer(t, r.c.BrokerURL())
	r.proxy = startCutProxy(t, strings.TrimPrefix(r.c.BrokerURL(), "tcp://"))

	r.usrBin = filepath.Join(dir, "usr", "bin", "kakou-unit")
	os.MkdirAll(filepath.Dir(r.usrBin), 0o755)
	if b, err := os.ReadFile(bins.packaged); err != nil || os.WriteFile(r.usrBin, b, 0o755) != nil {
		t.Fatalf("install the packaged binary: %v", err)
	}
	cfg := r.writeUnitConfig(t, pubKey, ca.Cert)
	r.svc = startService(t, serviceUnit{Wrap: wrap,
		Guard: []string{r.usrBin, "update-guard", "-config", cfg}, Start: []string{r.usrBin, "-config", cfg},
		RestartSec: 2 * time.Second, StartTimeout: qemuStartTimeout, StopTimeout: 20 * time.Second,
		Log: filepath.Join(dir, "service.log")})
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "service.log"))
			t.Logf("service log (last 4 KiB):\n%s", b[max(0, len(b)-4096):])
		}
	})
	return r
}

// writeKeys writes the centre's policy key (the collector's) and its
// public half (the unit's verify_keys).
func (r *qemuRollout) writeKeys(t *testing.T) (pubFile, keyFile string) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	keyFile = filepath.Join(r.dir, "policy-key.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	pder, _ := x509.MarshalPKIXPublicKey(pub)
	pubFile = filepath.Join(r.dir, "centre.pub")
	os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), 0o644)
	return pubFile, keyFile
}

// writeUnitConfig is the unit's /etc/kakou/unit.toml: the simulated
// crowd, the collector's broker, updates under programs/.
func (r *qemuRollout) writeUnitConfig(t *testing.T, pubFile, caFile string) string {
	cfg := filepath.Join(r.dir, "unit.toml")
	body := fmt.Sprintf(`site = %q
unit = %q
lane = "in"
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
[policy]
verify_keys = [%q]
[simulator]
mean_interval = "250ms"
max_people = 100000
[update]
root = %q
ca_file = %q
window = "20s"
max_starts = %d
`, qemuSite, qemuUnit, filepath.Join(r.dir, "data"), "tcp://"+r.proxy.addr(), pubFile,
		filepath.Join(r.dir, "programs"), caFile, qemuMaxStarts)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// retainer publishes the centre's retained pushes on its broker.
type retainer struct{ c mqtt.Client }

func mqttRetainer(t *testing.T, broker string) retainer {
	t.Helper()
	cl := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("e2e-qemu-rollout"))
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect to the collector's broker: %v", tok.Error())
	}
	t.Cleanup(func() { cl.Disconnect(100) })
	return retainer{cl}
}

func (r retainer) PublishRetained(_ context.Context, topic string, b []byte) error {
	tok := r.c.Publish(topic, wire.QoSUpdate, true, b)
	if !tok.WaitTimeout(10 * time.Second) {
		return errors.New("publish: no acknowledgement within 10s")
	}
	return tok.Error()
}
