package gateway

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/config"
	"github.com/kakou/kakou/internal/testenv"
)

// updateRig is a gateway with [update] on: the centre's key, a TLS file
// server standing in for the collector's /updates, and the install root.
type updateRig struct {
	cfg    config.Config
	priv   ed25519.PrivateKey
	binary []byte
	files  *httptest.Server
}

func newUpdateRig(t *testing.T, cloudURL string) *updateRig {
	t.Helper()
	dir := t.TempDir()
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := &updateRig{cfg: testConfig(t, cloudURL), priv: priv, binary: []byte("kakou-gateway 2.1.0")}
	r.files = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(r.binary))
	}))
	t.Cleanup(r.files.Close)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	key := filepath.Join(dir, "centre.pub")
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	ca := filepath.Join(dir, "collector-ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.files.Certificate().Raw}), 0o644)
	r.cfg.Policy.VerifyKeys = []string{key}
	r.cfg.Update = config.Update{Root: filepath.Join(dir, "programs"), CAFile: ca}
	os.MkdirAll(filepath.Join(r.cfg.Update.Root, "2.0.0"), 0o755)
	os.Symlink("2.0.0", filepath.Join(r.cfg.Update.Root, "current"))
	return r
}

// push is the centre's signed push of 2.1.0 for this gateway, signed by
// signer (the centre's key unless a test forges one).
func (r *updateRig) push(t *testing.T, signer ed25519.PrivateKey) []byte {
	sum := sha256.Sum256(r.binary)
	p := wire.UpdatePush{Schema: wire.SchemaVersion, Site: r.cfg.Site, Unit: r.cfg.Gateway, Program: Program,
		Version: "2.1.0", Arch: update.Arch(), URL: r.files.URL + "/updates/kakou-gateway/2.1.0/" + update.Arch(),
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(r.binary)), IssuedAt: time.Now().UTC()}
	wire.SignUpdate(&p, signer)
	b, _ := json.Marshal(p)
	return b
}

func (r *updateRig) report(t *testing.T) update.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.cfg.DataDir, "updates", "state.json"))
	if err != nil {
		return update.Report{}
	}
	var st update.Report
	json.Unmarshal(b, &st)
	return st
}

// withVersion sets the build's version as each binary would have it.
func withVersion(t *testing.T, v string) {
	old := Version
	Version = v
	t.Cleanup(func() { Version = old })
}

// publishEntry hands one entry of entrance-1 to the gateway's LAN broker.
func publishEntry(t *testing.T, lanURL string, seq uint64) {
	t.Helper()
	unit := paho.NewClient(paho.NewClientOptions().AddBroker(lanURL).SetClientID("entrance-1"))
	waitTok(t, unit.Connect())
	defer unit.Disconnect(0)
	e := wire.Entry{Schema: 1, ID: "e1-" + string(rune('0'+seq)), Site: "riverside-market", Unit: "entrance-1", Seq: seq,
		Lane: wire.LaneIn, Credential: wire.Credential{Kind: wire.CredentialNone}, Decision: wire.Allow, Time: time.Now().UTC()}
	body, _ := json.Marshal(e)
	waitTok(t, unit.Publish(wire.EntryTopic(e.Site, e.Unit), 1, false, body))
}

func stopGateway(t *testing.T, g *Gateway) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// The centre's signed push reaches the gateway on its own topic; it
// installs the binary beside the running version and asks for a restart;
// started again as the new version (the stand-in for systemd), it keeps
// it once healthy. The entries the cloud has not acknowledged are still
// in the outbox afterwards and go up again.
func TestGatewayInstallsItsSignedUpdateRestartsAndKeepsItWithTheOutboxWhole(t *testing.T) {
	cloudURL, cloud, entries := cloudBroker(t)
	r := newUpdateRig(t, cloudURL)
	withVersion(t, "2.0.0")
	g, err := New(r.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 3; seq++ {
		publishEntry(t, g.LANURL(), seq)
	}
	testenv.Await(t, "three entries in the outbox", 10*time.Second, func() bool {
		n, _, _ := g.store.Backlog(context.Background(), "")
		return n == 3
	})
	cloud.Publish(wire.UpdateTopic(r.cfg.Site, r.cfg.Gateway), r.push(t, r.priv), true, 1)
	select {
	case <-g.Restarting():
	case <-time.After(time.Minute):
		t.Fatalf("no restart for the update; report %+v", r.report(t))
	}
	stopGateway(t, g)
	if v, _ := os.Readlink(filepath.Join(r.cfg.Update.Root, "current")); v != "2.1.0" {
		t.Fatalf("current -> %q after the update, want 2.1.0", v)
	}
	if b, _ := os.ReadFile(filepath.Join(r.cfg.Update.Root, "2.1.0", Program)); !bytes.Equal(b, r.binary) {
		t.Fatalf("installed binary %q", b)
	}

	withVersion(t, "2.1.0") // systemd starts <root>/current/kakou-gateway
	for len(entries) > 0 {
		<-entries // what went up before the restart
	}
	g2 := startGateway(t, r.cfg)
	testenv.Await(t, "the new version kept", time.Minute, func() bool { return r.report(t).Phase == update.Kept })
	if st := r.report(t); st.Previous != "2.0.0" || st.Program != Program {
		t.Fatalf("report %+v", st)
	}
	if n, _, _ := g2.store.Backlog(context.Background(), ""); n != 3 {
		t.Fatalf("outbox holds %d unacknowledged entries after the update, want 3", n)
	}
	seen := map[uint64]bool{}
	testenv.Await(t, "the outbox's entries sent again", time.Minute, func() bool {
		select {
		case e := <-entries:
			seen[e.Seq] = true
		default:
		}
		return len(seen) == 3
	})
}

// A push signed by another key than the centre's is refused before any
// download, with the reason in the report; nothing restarts.
func TestGatewayRefusesAForgedUpdate(t *testing.T) {
	cloudURL, cloud, _ := cloudBroker(t)
	r := newUpdateRig(t, cloudURL)
	withVersion(t, "2.0.0")
	g := startGateway(t, r.cfg)
	_, forger, _ := ed25519.GenerateKey(nil)
	cloud.Publish(wire.UpdateTopic(r.cfg.Site, r.cfg.Gateway), r.push(t, forger), true, 1)
	testenv.Await(t, "the forged push refused", time.Minute, func() bool { return r.report(t).Phase == update.Refused })
	select {
	case <-g.Restarting():
		t.Fatal("the gateway restarted for a forged push")
	default:
	}
	if v, _ := os.Readlink(filepath.Join(r.cfg.Update.Root, "current")); v != "2.0.0" {
		t.Fatalf("current -> %q, want 2.0.0 untouched", v)
	}
	if _, err := os.Stat(filepath.Join(r.cfg.Update.Root, "2.1.0")); !os.IsNotExist(err) {
		t.Fatal("a forged version was installed")
	}
}

// The health check keeps a version whose bridge is connected, or whose
// cloud does not answer at all (no internet: a rollback would not mend
// it), and not one whose bridge fails against a cloud that answers.
func TestGatewayUpdateHealthBlamesOnlyABridgeThatFailsAnAnsweringCloud(t *testing.T) {
	cloudURL, _, _ := cloudBroker(t)
	g := startGateway(t, testConfig(t, cloudURL))
	testenv.Await(t, "the bridge connected", 10*time.Second, g.bridge.Connected)
	if err := g.updateHealthy(context.Background()); err != nil {
		t.Fatalf("connected gateway unhealthy: %v", err)
	}

	silent := startGateway(t, testConfig(t, "tcp://"+freeAddr(t)))
	if err := silent.updateHealthy(context.Background()); err != nil {
		t.Fatalf("gateway with no cloud to reach unhealthy: %v", err)
	}

	deaf, err := net.Listen("tcp", "127.0.0.1:0") // answers TCP, never MQTT
	if err != nil {
		t.Fatal(err)
	}
	defer deaf.Close()
	go func() {
		for {
			c, err := deaf.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	broken := startGateway(t, testConfig(t, "tcp://"+deaf.Addr().String()))
	if err := broken.updateHealthy(context.Background()); err == nil || !strings.Contains(err.Error(), "bridge not connected though the cloud broker answers") {
		t.Fatalf("health %v, want the bridge blamed", err)
	}
}

// -check-config reads the centre's key and the collector's CA, so a
// wrong file is found at install time rather than at the first update.
func TestCheckFilesReadsTheUpdateKeysAndCA(t *testing.T) {
	r := newUpdateRig(t, "tcp://127.0.0.1:1")
	if err := CheckFiles(r.cfg); err != nil {
		t.Fatal(err)
	}
	priv := filepath.Join(t.TempDir(), "centre.key")
	os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("x")}), 0o600)
	bad := r.cfg
	bad.Policy.VerifyKeys = []string{priv}
	if err := CheckFiles(bad); err == nil || !strings.Contains(err.Error(), "policy.verify_keys[0]") || !strings.Contains(err.Error(), "never its private one") {
		t.Fatalf("CheckFiles with a private key: %v", err)
	}
	bad = r.cfg
	bad.Update.CAFile = priv
	if err := CheckFiles(bad); err == nil || !strings.Contains(err.Error(), "update.ca_file") {
		t.Fatalf("CheckFiles with a CA that is no certificate: %v", err)
	}
}

// Pushes arrive on paho's goroutine while a download may take minutes:
// they queue without blocking, the latest replacing one not yet started.
func TestUpdatePushesQueueWithoutBlockingLatestWins(t *testing.T) {
	g := &Gateway{upd: updates{pushes: make(chan wire.UpdatePush, 1)}}
	for _, v := range []string{"2.1.0", "2.2.0", "2.3.0"} {
		g.offerUpdate(wire.UpdatePush{Version: v})
	}
	if p := <-g.upd.pushes; p.Version != "2.3.0" {
		t.Fatalf("queued %s, want the latest, 2.3.0", p.Version)
	}
	if len(g.upd.pushes) != 0 {
		t.Fatal("an older push is still queued")
	}
}
