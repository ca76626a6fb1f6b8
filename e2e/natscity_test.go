package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// The MQTT contract (firmware/wire/README.md) against the real three-node
// NATS cluster: entries and acks, retained pushes, last wills, and a
// unit's node dying under it. The collector here is today's MQTT one on
// one node; collectors reading JetStream directly are cloud/ingest's.

func TestNATSClusterStoresAUnitsEntriesThroughAnotherNodeAndAcksThemBackIntegration(t *testing.T) {
	c := startNATSCity(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cloud := natsCollector(t, ctx, c.Nodes[1])
	u := startNATSUnit(t, ctx, c, 0, "nats-city", "gate-1", peoplePerUnit, "2ms")
	// The ledger drains only on the collector's retained ack, published on
	// node 2 and read by the unit on node 1.
	testenv.Await(t, "gate-1's ledger drained by acks", patience, func() bool {
		n, _, err := u.Ledger().Backlog(ctx)
		logged, _ := u.Ledger().Entries(ctx, 0, peoplePerUnit+1)
		return err == nil && n == 0 && len(logged) == peoplePerUnit
	})
	assertSameEntries(t, ctx, u, cloudEntries(t, cloud, "nats-city", "gate-1"))
	assertMQTTStreamsReplicated(t, c, 3)
}

// assertMQTTStreamsReplicated checks the streams NATS keeps MQTT's
// sessions, retained and QoS 1 messages in have the configs' replicas.
func assertMQTTStreamsReplicated(t *testing.T, c *testenv.NATSCluster, want int) {
	t.Helper()
	var jsz struct {
		Accounts []struct {
			Name    string `json:"name"`
			Streams []struct {
				Name   string `json:"name"`
				Config struct {
					Replicas int `json:"num_replicas"`
				} `json:"config"`
			} `json:"stream_detail"`
		} `json:"account_details"`
	}
	// Each stream's details are reported by the node leading it, so ask all.
	seen := map[string]int{}
	for i := range c.Nodes {
		if err := c.Monitor(i, "/jsz?accounts=true&streams=true&config=true", &jsz); err != nil {
			t.Fatal(err)
		}
		for _, a := range jsz.Accounts {
			for _, s := range a.Streams {
				seen[s.Name] = s.Config.Replicas
			}
		}
	}
	for _, name := range []string{"$MQTT_msgs", "$MQTT_rmsgs", "$MQTT_sess"} {
		if seen[name] != want {
			t.Errorf("stream %s has %d replicas, want %d (streams seen: %v)", name, seen[name], want, seen)
		}
	}
}

func TestNATSClusterDeliversARetainedPolicyFromOneNodeToAUnitConnectingLaterToAnotherIntegration(t *testing.T) {
	c := startNATSCity(t)
	topic := wire.PolicyTopic("nats-city", "gate-2")
	centre := natsClient(t, c.Nodes[2], "collector", "centre")
	if tok := centre.Publish(topic, wire.QoSAck, true, []byte(`{"version":"v7"}`)); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("retained policy on node 3: %v", tok.Error())
	}
	got := make(chan mqtt.Message, 1)
	unitCl := natsClient(t, c.Nodes[0], "device", "kakou-unit-nats-city-gate-2")
	if tok := unitCl.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) { got <- m }); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe on node 1: %v", tok.Error())
	}
	select {
	case m := <-got:
		if string(m.Payload()) != `{"version":"v7"}` || !m.Retained() {
			t.Fatalf("node 1 delivered %q (retained %v), want node 3's retained policy", m.Payload(), m.Retained())
		}
	case <-time.After(patience):
		t.Fatal("the retained policy published on node 3 never reached the unit on node 1")
	}
}

func TestNATSClusterPublishesAUnitsLastWillWhenItsConnectionDiesIntegration(t *testing.T) {
	c := startNATSCity(t)
	topic := wire.StatusTopic("nats-city", "gate-3")
	wills := make(chan []byte, 4)
	watcher := natsClient(t, c.Nodes[2], "collector", "watcher")
	if tok := watcher.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) { wills <- m.Payload() }); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("watcher subscribe: %v", tok.Error())
	}
	will, _ := json.Marshal(wire.Status{Schema: wire.SchemaVersion, Site: "nats-city", Unit: "gate-3", State: wire.Offline, Time: time.Now().UTC()})
	var cut cuttable
	natsClient(t, c.Nodes[0], "device", "kakou-unit-nats-city-gate-3", cut.dial, func(o *mqtt.ClientOptions) {
		o.SetBinaryWill(topic, will, wire.QoSStatus, true)
	})
	cut.conn.Close() // no DISCONNECT: the server must publish the will
	select {
	case p := <-wills:
		var s wire.Status
		if err := json.Unmarshal(p, &s); err != nil || s.State != wire.Offline || s.Unit != "gate-3" {
			t.Fatalf("node 3 saw %s (%v), want gate-3's offline will", p, err)
		}
	case <-time.After(patience):
		t.Fatal("the unit's last will never reached node 3")
	}
}

func TestNATSClusterUnitFailsOverWhenItsNodeIsKilledAndEveryEntryIsStoredOnceIntegration(t *testing.T) {
	const people = 300
	c := startNATSCity(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cloud := natsCollector(t, ctx, c.Nodes[1])
	u := startNATSUnit(t, ctx, c, 0, "nats-city", "gate-4", people, "20ms")
	testenv.Await(t, "gate-4's first entries stored", patience, func() bool {
		return len(cloudEntries(t, cloud, "nats-city", "gate-4")) >= people/5
	})
	c.Kill(t, 0) // the unit's node, SIGKILL: no will, no clean close
	testenv.Await(t, "gate-4's crowd logged and acknowledged", patience, func() bool {
		n, _, err := u.Ledger().Backlog(ctx)
		logged, _ := u.Ledger().Entries(ctx, 0, people+1)
		return err == nil && n == 0 && len(logged) == people
	})
	testenv.Await(t, "gate-4's crowd stored", patience, func() bool {
		return len(cloudEntries(t, cloud, "nats-city", "gate-4")) >= people
	})
	assertSameEntries(t, ctx, u, cloudEntries(t, cloud, "nats-city", "gate-4"))
	assertAcked(t, cloud.HTTPURL(), "gate-4", people)
}
