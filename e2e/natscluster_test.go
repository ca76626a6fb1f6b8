package e2e

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/internal/testenv"
)

// The city's broker tier as configs/nats ships it: three real nats-server
// processes (bin/nats-server, built from go.mod's pinned module when it is
// missing) routed to each other, JetStream and MQTT on, on loopback ports of
// their own with their stores in temp dirs. Units speak MQTT to any node
// as the "device" user, the collector as "collector".

// startNATSCity starts the three nodes from configs/nats/node-*.conf and
// waits for the cluster and its JetStream meta leader.
func startNATSCity(t *testing.T) *testenv.NATSCluster {
	t.Helper()
	root := testenv.RepoRoot(t)
	var confs []string
	for i := 1; i <= 3; i++ {
		b, err := os.ReadFile(filepath.Join(root, "configs", "nats", fmt.Sprintf("node-%d.conf", i)))
		if err != nil {
			t.Fatal(err)
		}
		confs = append(confs, string(b))
	}
	c := testenv.StartNATSCluster(t, confs)
	// A formed cluster may still close a node's first MQTT sessions while
	// their streams come up; a client that connects on every node is the
	// sign a collector or a unit can, so the test starts from there.
	for i, n := range c.Nodes {
		natsClient(t, n, "collector", fmt.Sprintf("probe-%d", i+1)).Disconnect(0)
	}
	return c
}

// natsCollector runs a collector in this process on node's MQTT listener,
// with a plain subscription: one collector, so no group is needed (and
// NATS's MQTT has no $share groups).
func natsCollector(t *testing.T, ctx context.Context, node *testenv.NATSNode) *collector.Collector {
	t.Helper()
	return startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = false\nurl = %q\nusername = \"collector\"\npassword = %q\n",
		node.MQTTURL(), testenv.NATSPasswords["KAKOU_NATS_COLLECTOR_PASSWORD"]))
}

// startNATSUnit runs a simulated unit whose [mqtt] brokers list every node
// in an order that makes first (an index into c.Nodes) the one its site
// and unit hash to, so the test knows where it connects, and which node
// it tries next: first+1.
func startNATSUnit(t *testing.T, ctx context.Context, c *testenv.NATSCluster, first int, site, id string, people int, interval string) *unit.Unit {
	t.Helper()
	n := len(c.Nodes)
	start := delivery.Start(n, site, id)
	urls := make([]string, n)
	for i := range n {
		urls[(start+i)%n] = fmt.Sprintf("%q", c.Nodes[(first+i)%n].MQTTURL())
	}
	return runUnit(t, ctx, id, func(dir string) string {
		return fmt.Sprintf(`site = %q
unit = %q
lane = "in"
data_dir = %q
trust_clock = true
[console]
listen = "127.0.0.1:0"
[mqtt]
brokers = [%s]
username = "device"
password = %q
ack_timeout = "3s"
subscribe_qos = 0
[simulator]
mean_interval = %q
max_people = %d
`, site, id, filepath.Join(dir, "data"), strings.Join(urls, ", "), testenv.NATSPasswords["KAKOU_NATS_DEVICE_PASSWORD"], interval, people)
	})
}

// natsClient connects a bare MQTT client to node as user, with opts
// applied first (a will, a dialer).
func natsClient(t *testing.T, node *testenv.NATSNode, user, id string, opts ...func(*mqtt.ClientOptions)) mqtt.Client {
	t.Helper()
	o := mqtt.NewClientOptions().AddBroker(node.MQTTURL()).SetClientID(id).SetUsername(user).
		SetPassword(testenv.NATSPasswords["KAKOU_NATS_"+strings.ToUpper(user)+"_PASSWORD"]).
		SetCleanSession(true).SetAutoReconnect(false).SetConnectTimeout(10 * time.Second)
	for _, f := range opts {
		f(o)
	}
	// A node that has just joined the cluster closes MQTT connections
	// (EOF) until its MQTT session streams answer, as a device's own
	// reconnect loop rides out; a test client retries the same way.
	var cl mqtt.Client
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		cl = mqtt.NewClient(o)
		tok := cl.Connect()
		if !tok.WaitTimeout(30 * time.Second) {
			err = fmt.Errorf("no CONNACK in 30 s")
		} else if err = tok.Error(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s connecting to %s as %s: %v", id, node.Name, user, err)
		}
	}
	t.Cleanup(func() { cl.Disconnect(0) })
	return cl
}

// cuttable dials like paho but keeps the connection, so a test can drop it
// without a DISCONNECT, as a cut cable does.
type cuttable struct{ conn net.Conn }

func (c *cuttable) dial(o *mqtt.ClientOptions) {
	o.SetCustomOpenConnectionFn(func(u *url.URL, _ mqtt.ClientOptions) (net.Conn, error) {
		conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
		c.conn = conn
		return conn, err
	})
}
