package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/config"
	"github.com/kakou/kakou/internal/embedbroker"
	"github.com/kakou/kakou/internal/testenv"
)

// cloudBroker stands in for the cloud collector's broker: entries reaching
// it are acknowledged the way the collector does, on the unit's ack topic.
func cloudBroker(t *testing.T) (url string, server *mqtt.Server, entries chan wire.Entry) {
	server = mqtt.New(&mqtt.Options{InlineClient: true})
	if err := server.AddHook(new(allowAll), nil); err != nil {
		t.Fatal(err)
	}
	tcp := embedbroker.NewTCP("cloud", "127.0.0.1:0", nil)
	if err := server.AddListener(tcp); err != nil {
		t.Fatal(err)
	}
	entries = make(chan wire.Entry, 100)
	err := server.Subscribe(wire.EntryFilter, 1, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		if e, err := wire.DecodeEntry(pk.Payload); err == nil {
			entries <- e
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Serve(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { embedbroker.Close(server) })
	return "tcp://" + tcp.Address(), server, entries
}

// allowAll lets the test's clients in (mochi's auth hooks pull in YAML).
type allowAll struct{ mqtt.HookBase }

func (*allowAll) ID() string { return "allow-all" }
func (*allowAll) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}
func (*allowAll) OnConnectAuthenticate(*mqtt.Client, packets.Packet) bool { return true }
func (*allowAll) OnACLCheck(*mqtt.Client, string, bool) bool              { return true }

func testConfig(t *testing.T, cloud string) config.Config {
	cfg := config.Default()
	cfg.Site, cfg.Gateway, cfg.Facility = "riverside-market", "gateway-1", "supermarket"
	cfg.DataDir = filepath.Join(t.TempDir(), "gw")
	cfg.LAN.Listen, cfg.Web.Listen, cfg.Cloud.Broker = "127.0.0.1:0", "127.0.0.1:0", cloud
	cfg.Policy.Path = filepath.Join("..", "..", "configs", "policies", "supermarket-normal.toml")
	cfg.Lanes = []config.Lane{{Unit: "entrance-1", Role: "in"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestGatewayForwardsEntriesAndLearnsCapacityFromPushedPolicy(t *testing.T) {
	cloudURL, cloud, entries := cloudBroker(t)
	g := startGateway(t, testConfig(t, cloudURL))
	if c := g.lan.Occupancy().Capacity; c != 200 {
		t.Fatalf("capacity %d, want 200 from the policy file", c)
	}
	unit := paho.NewClient(paho.NewClientOptions().AddBroker(g.LANURL()).SetClientID("entrance-1"))
	waitTok(t, unit.Connect())
	defer unit.Disconnect(0)
	e := wire.Entry{Schema: 1, ID: "e1-1", Site: "riverside-market", Unit: "entrance-1", Seq: 1, Lane: wire.LaneIn,
		Credential: wire.Credential{Kind: wire.CredentialNone}, Decision: wire.Allow, Time: time.Now().UTC()}
	body, _ := json.Marshal(e)
	waitTok(t, unit.Publish(wire.EntryTopic(e.Site, e.Unit), 1, false, body))

	select {
	case got := <-entries:
		if got.ID != e.ID {
			t.Fatalf("cloud got %+v", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the entry did not reach the cloud in 10s")
	}
	ack, _ := json.Marshal(wire.Ack{Schema: 1, Site: e.Site, Unit: e.Unit, Seq: 1})
	cloud.Publish(wire.AckTopic(e.Site, e.Unit), ack, true, 1)
	testenv.Await(t, "the cloud ack emptying the backlog", 10*time.Second, func() bool {
		n, _, _ := g.store.Backlog(context.Background(), "")
		return n == 0
	})

	push, _ := json.Marshal(wire.PolicyPush{Schema: 1, Site: e.Site, Unit: e.Unit, Profile: "supermarket-peak",
		Version: "peak-1", Document: "[checks.capacity]\nmode = \"hard\"\nmax = 3\n", IssuedAt: time.Now()})
	cloud.Publish(wire.PolicyTopic(e.Site, e.Unit), push, true, 1)
	testenv.Await(t, "the pushed capacity", 10*time.Second, func() bool { return g.lan.Occupancy().Capacity == 3 })
}

// startGateway runs the gateway as kakou-gateway does, stopped when the
// test ends.
func startGateway(t *testing.T, cfg config.Config) *Gateway {
	t.Helper()
	g, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
	})
	return g
}

func waitTok(t *testing.T, tok paho.Token) {
	t.Helper()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtt: %v", tok.Error())
	}
}
