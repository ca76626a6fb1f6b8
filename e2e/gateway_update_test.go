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
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/config"
	"github.com/kakou/kakou/gateway/gateway"
	"github.com/kakou/kakou/internal/testenv"
)

// The site gateway updates itself as a unit does. A real collector (its
// embedded broker) carries the centre's signed push on the gateway's own
// topic; the gateway downloads the binary over HTTPS, installs it beside
// the running version and stops for a restart; the stand-in for systemd
// starts a new Gateway with gateway.Version changed, on the same LAN
// address and data directory. Two units behind the gateway screen
// throughout, and every entry they log reaches the centre.

const gwSite = "riverside-market"

// gatewayUpdateRig is the centre, the binary it serves, the gateway's
// config with [update] on, and the units behind it.
type gatewayUpdateRig struct {
	ctx    context.Context
	c      *collector.Collector
	cfg    config.Config
	priv   ed25519.PrivateKey
	binary []byte
	files  *httptest.Server
	units  map[string]*unit.Unit
}

func newGatewayUpdateRig(t *testing.T, ctx context.Context) *gatewayUpdateRig {
	t.Helper()
	r := &gatewayUpdateRig{ctx: ctx, binary: []byte("kakou-gateway 2.1.0 for " + update.Arch())}
	r.c = startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	r.files = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(r.binary))
	}))
	t.Cleanup(r.files.Close)
	dir := t.TempDir()
	pub, priv, _ := ed25519.GenerateKey(nil)
	r.priv = priv
	der, _ := x509.MarshalPKIXPublicKey(pub)
	key := filepath.Join(dir, "centre.pub")
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	ca := filepath.Join(dir, "collector-ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.files.Certificate().Raw}), 0o644)

	cfg := config.Default()
	cfg.Site, cfg.Gateway, cfg.Facility = gwSite, "gw", "supermarket"
	cfg.DataDir = filepath.Join(dir, "data")
	// Fixed addresses: the restarted gateway is where the units look.
	cfg.LAN.Listen, cfg.Web.Listen, cfg.Cloud.Broker = freePort(t), freePort(t), r.c.BrokerURL()
	cfg.Policy.Path = capacityPolicy(t, 0)
	cfg.Policy.VerifyKeys = []string{key}
	cfg.Update = config.Update{Root: filepath.Join(dir, "programs"), CAFile: ca, Window: config.Duration{Duration: 10 * time.Second}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(cfg.Update.Root, "2.0.0"), 0o755)
	os.Symlink("2.0.0", filepath.Join(cfg.Update.Root, "current"))
	r.cfg = cfg
	return r
}

// run starts the gateway as version v (what the build stamps in); the
// test stops it.
func (r *gatewayUpdateRig) run(t *testing.T, v string, cfg config.Config) *gateway.Gateway {
	t.Helper()
	gateway.Version = v
	g, err := gateway.New(cfg, testLogger(t, "gateway-"+v))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(r.ctx); err != nil {
		t.Fatal(err)
	}
	return g
}

// restarted waits for g to ask for its restart, and stops it as the
// command does before exiting with gateway.ErrRestart.
func (r *gatewayUpdateRig) restarted(t *testing.T, g *gateway.Gateway, why string) {
	t.Helper()
	select {
	case <-g.Restarting():
	case <-r.ctx.Done():
		t.Fatalf("the gateway did not restart: %s", why)
	}
	stop(t, g)
}

func stop(t *testing.T, g *gateway.Gateway) {
	t.Helper()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Shutdown(sctx); err != nil {
		t.Fatalf("gateway shutdown: %v", err)
	}
}

// startUnits runs two entrances on the gateway's LAN, long enough to
// screen through the whole update.
func (r *gatewayUpdateRig) startUnits(t *testing.T, people int) {
	t.Helper()
	r.units = map[string]*unit.Unit{}
	for _, id := range []string{"entrance-1", "entrance-2"} {
		r.units[id] = startUnitWith(t, r.ctx, gwSite, id, "in", "tcp://"+r.cfg.LAN.Listen, people, "20ms")
	}
}

func (r *gatewayUpdateRig) logged(t *testing.T) int {
	n := 0
	for _, u := range r.units {
		es, err := u.Ledger().Entries(r.ctx, 0, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		n += len(es)
	}
	return n
}

// everyEntryAtTheCentre waits for each unit to finish its crowd and the
// centre to hold every entry it logged, exactly those.
func (r *gatewayUpdateRig) everyEntryAtTheCentre(t *testing.T, people int) {
	t.Helper()
	for id, u := range r.units {
		testenv.Await(t, id+"'s crowd screened and handed over", patience, func() bool {
			n, _, err := u.Ledger().Backlog(r.ctx)
			es, _ := u.Ledger().Entries(r.ctx, 0, people+1)
			return err == nil && n == 0 && len(es) == people
		})
		testenv.Await(t, id+"'s entries at the centre", patience, func() bool {
			return len(cloudEntries(t, r.c, gwSite, id)) >= people
		})
		assertSameEntries(t, r.ctx, u, cloudEntries(t, r.c, gwSite, id))
	}
}

func (r *gatewayUpdateRig) push(t *testing.T, version string, signer ed25519.PrivateKey) {
	t.Helper()
	sum := sha256.Sum256(r.binary)
	p := wire.UpdatePush{Schema: wire.SchemaVersion, Site: gwSite, Unit: r.cfg.Gateway, Program: gateway.Program,
		Version: version, Arch: update.Arch(), URL: r.files.URL + "/updates/kakou-gateway/" + version + "/" + update.Arch(),
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(r.binary)), IssuedAt: time.Now().UTC()}
	wire.SignUpdate(&p, signer)
	publishUpdate(t, r.c.BrokerURL(), p)
}

// outcome waits for the centre's store to hold the gateway's outcome for
// version in phase.
func (r *gatewayUpdateRig) outcome(t *testing.T, version, phase string) store.UpdateOutcome {
	t.Helper()
	st, ok := r.c.Store().(interface {
		UpdateOutcomes(context.Context, string, string) ([]store.UpdateOutcome, error)
	})
	if !ok {
		t.Fatal("the collector's store keeps no update outcomes")
	}
	var got store.UpdateOutcome
	testenv.Await(t, "the gateway's "+phase+" "+version+" at the centre", patience, func() bool {
		rows, err := st.UpdateOutcomes(r.ctx, gateway.Program, version)
		for _, o := range rows {
			if err == nil && o.Unit.Unit == r.cfg.Gateway && o.Phase == phase {
				got = o
				return true
			}
		}
		return false
	})
	return got
}

func TestGatewayUpdatesItselfAndKeepsTheNewVersionWhileUnitsDeliverEveryEntry(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	defer func(v string) { gateway.Version = v }(gateway.Version)
	r := newGatewayUpdateRig(t, ctx)
	const people = 800
	g := r.run(t, "2.0.0", r.cfg)
	r.startUnits(t, people)
	testenv.Await(t, "entries flowing through the gateway", patience, func() bool {
		return len(cloudEntries(t, r.c, gwSite, "entrance-1")) >= 10
	})

	// A forged push first: refused, reported, nothing restarts.
	_, forger, _ := ed25519.GenerateKey(nil)
	r.push(t, "2.1.0", forger)
	if o := r.outcome(t, "2.1.0", "refused"); !strings.Contains(o.Reason, "signature") {
		t.Fatalf("refusal reason %q, want the signature named", o.Reason)
	}
	select {
	case <-g.Restarting():
		t.Fatal("the gateway restarted for a forged push")
	default:
	}

	r.push(t, "2.1.0", r.priv)
	r.restarted(t, g, "for the signed 2.1.0")
	atRestart := r.logged(t)
	if v, _ := os.Readlink(filepath.Join(r.cfg.Update.Root, "current")); v != "2.1.0" {
		t.Fatalf("current -> %s after the update, want 2.1.0", v)
	}
	g2 := r.run(t, "2.1.0", r.cfg) // systemd starts <root>/current/kakou-gateway
	defer stop(t, g2)
	if o := r.outcome(t, "2.1.0", "kept"); o.Previous != "2.0.0" {
		t.Fatalf("outcome %+v, want kept over 2.0.0", o)
	}
	r.everyEntryAtTheCentre(t, people)
	if r.logged(t) <= atRestart {
		t.Fatal("the units logged nothing after the restart: the test proves nothing about screening throughout")
	}
}

// A version whose bridge cannot reach a cloud that answers is never
// healthy: it rolls back within the window, the previous version starts
// again and reports why, and no entry is lost on the way.
func TestGatewayVersionNeverHealthyIsRolledBackWithTheReasonAndNoEntryLost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	defer func(v string) { gateway.Version = v }(gateway.Version)
	r := newGatewayUpdateRig(t, ctx)
	const people = 300
	g := r.run(t, "2.0.0", r.cfg)
	r.startUnits(t, people)
	testenv.Await(t, "entries flowing through the gateway", patience, func() bool {
		return len(cloudEntries(t, r.c, gwSite, "entrance-1")) >= 10
	})
	r.push(t, "2.1.0", r.priv)
	r.restarted(t, g, "for 2.1.0")

	// The broken build: its bridge cannot talk MQTT to the broker, which
	// answers TCP all the same (the centre's HTTP port stands in).
	broken := r.cfg
	broken.Cloud.Broker = "tcp://" + strings.TrimPrefix(r.c.HTTPURL(), "http://")
	g2 := r.run(t, "2.1.0", broken)
	r.restarted(t, g2, "for the rollback of 2.1.0")
	if v, _ := os.Readlink(filepath.Join(r.cfg.Update.Root, "current")); v != "2.0.0" {
		t.Fatalf("current -> %s after the rollback, want 2.0.0", v)
	}

	g3 := r.run(t, "2.0.0", r.cfg)
	defer stop(t, g3)
	o := r.outcome(t, "2.1.0", "rolled-back")
	if !strings.Contains(o.Reason, "bridge not connected though the cloud broker answers") {
		t.Fatalf("rollback reason %q, want the bridge named", o.Reason)
	}
	r.everyEntryAtTheCentre(t, people)
	var st map[string]any
	b, _ := os.ReadFile(filepath.Join(r.cfg.DataDir, "updates", "state.json"))
	json.Unmarshal(b, &st)
	if st["phase"] != "rolled-back" {
		t.Fatalf("state after the retained push came back: %v, want rolled-back kept", st)
	}
}
