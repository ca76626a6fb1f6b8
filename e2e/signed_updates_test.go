package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestSignedUpdateFromTheCentreIsInstalledRestartedAndKeptWithNoEntryLost:
// the centre's signed push crosses the real embedded broker to a
// screening unit, which downloads the binary over HTTPS, installs it
// beside the running version, ends Run to be restarted (the stand-in for
// systemd starts the unit again, now as the new version), and keeps it
// once healthy. Every entry logged before the update is still in the
// ledger afterwards and reaches the centre.
func TestSignedUpdateFromTheCentreIsInstalledRestartedAndKeptWithNoEntryLost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	dir := t.TempDir()
	root := filepath.Join(dir, "lib")
	os.MkdirAll(filepath.Join(root, "1.4.0"), 0o755)
	os.Symlink("1.4.0", filepath.Join(root, "current"))
	pub, priv, _ := ed25519.GenerateKey(nil)
	binary := []byte("kakou-unit 1.5.0 for armv6")
	files := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(binary))
	}))
	defer files.Close()
	cfgPath := writeUpdateUnitConfig(t, dir, c.BrokerURL(), root, pub, files)

	// unit.Version is what a build stamps in; the test sets it as each
	// binary would, so it must never run in parallel with another.
	defer func(v string) { unit.Version = v }(unit.Version)
	unit.Version = "1.4.0"
	u, done := runUpdatingUnit(t, ctx, cfgPath)
	testenv.Await(t, "the unit online", patience, func() bool { return len(fleet(t, c)) == 1 })
	testenv.Await(t, "a few entries", patience, func() bool { return len(updateLedger(t, ctx, u)) >= 3 })

	sum := sha256.Sum256(binary)
	push := wire.UpdatePush{Schema: wire.SchemaVersion, Site: "estate", Unit: "gate-1", Program: "kakou-unit",
		Version: "1.5.0", Arch: "amd64", URL: files.URL + "/updates/kakou-unit/1.5.0/amd64",
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(binary)), IssuedAt: time.Now().UTC()}
	wire.SignUpdate(&push, priv)
	publishUpdate(t, c.BrokerURL(), push)

	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		t.Fatal("the unit did not restart for the update")
	}
	if !errors.Is(err, unit.ErrRestart) {
		t.Fatalf("Run returned %v, want unit.ErrRestart", err)
	}
	before := updateLedger(t, ctx, u)
	u.Close()
	if v, _ := os.Readlink(filepath.Join(root, "current")); v != "1.5.0" {
		t.Fatalf("current -> %s after the update, want 1.5.0", v)
	}

	unit.Version = "1.5.0" // systemd starts root/current/kakou-unit
	u2, done2 := runUpdatingUnit(t, ctx, cfgPath)
	defer func() { cancel(); <-done2; u2.Close() }()
	testenv.Await(t, "the new version kept", patience, func() bool { return updatePhase(t, dir) == "kept" })
	after := updateLedger(t, ctx, u2)
	for i, e := range before {
		if i >= len(after) || after[i].ID != e.ID {
			t.Fatalf("entry %d (seq %d) lost or changed across the update", i, e.Seq)
		}
	}
	testenv.Await(t, "the outcome at the centre", patience, func() bool {
		st, ok := c.Store().(interface {
			UpdateOutcomes(context.Context, string, string) ([]store.UpdateOutcome, error)
		})
		if !ok {
			t.Fatal("the collector's store keeps no update outcomes")
		}
		got, err := st.UpdateOutcomes(ctx, "kakou-unit", "1.5.0")
		return err == nil && len(got) == 1 && got[0].Phase == "kept" && got[0].Previous == "1.4.0"
	})
	testenv.Await(t, "the entries at the centre", patience, func() bool {
		return len(cloudEntries(t, c, "estate", "gate-1")) >= len(before)
	})
}

func writeUpdateUnitConfig(t *testing.T, dir, broker, root string, pub ed25519.PublicKey, files *httptest.Server) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	key := filepath.Join(dir, "centre.pub")
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	ca := filepath.Join(dir, "collector-ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: files.Certificate().Raw}), 0o644)
	cfg := filepath.Join(dir, "unit.toml")
	body := fmt.Sprintf(`site = "estate"
unit = "gate-1"
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
mean_interval = "20ms"
max_people = 100000
[update]
root = %q
ca_file = %q
window = "30s"
`, filepath.Join(dir, "data"), broker, key, root, ca)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func runUpdatingUnit(t *testing.T, ctx context.Context, cfgPath string) (*unit.Unit, <-chan error) {
	t.Helper()
	cfg, err := unit.LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	u, err := unit.New(cfg, testLogger(t, "gate-1"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	return u, done
}

func publishUpdate(t *testing.T, broker string, p wire.UpdatePush) {
	t.Helper()
	cl := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("e2e-centre-update"))
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer cl.Disconnect(100)
	b, _ := json.Marshal(p)
	if tok := cl.Publish(wire.UpdateTopic(p.Site, p.Unit), wire.QoSUpdate, true, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish update: %v", tok.Error())
	}
}

func updateLedger(t *testing.T, ctx context.Context, u *unit.Unit) []wire.Entry {
	t.Helper()
	es, err := u.Ledger().Entries(ctx, 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func updatePhase(t *testing.T, dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "data", "updates", "state.json"))
	if err != nil {
		return ""
	}
	var st struct {
		Phase string `json:"phase"`
	}
	json.Unmarshal(b, &st)
	return st.Phase
}

// TestCollectorServesUpdateBinariesWithRanges: the binaries a push names
// come from the collector's own listener ([updates] dir), resumable.
func TestCollectorServesUpdateBinariesWithRanges(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kakou-unit", "1.5.0", "arm64")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "kakou-unit"), []byte("0123456789"), 0o644)
	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n[updates]\ndir = %q\n", dir))
	req, _ := http.NewRequest("GET", c.HTTPURL()+"/updates/kakou-unit/1.5.0/arm64", nil)
	req.Header.Set("Range", "bytes=6-")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || b.String() != "6789" {
		t.Fatalf("GET with a range: %s %q", resp.Status, b.String())
	}
}
