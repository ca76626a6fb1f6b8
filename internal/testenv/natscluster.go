package testenv

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// NATSNode is one real nats-server process of a NATSCluster, on loopback
// ports of its own and with its JetStream store in a temp dir.
type NATSNode struct {
	Name                      string // its server_name
	Conf                      string // the rewritten config it runs
	Client, Route, HTTP, MQTT int    // its ports
	cmd                       *exec.Cmd
	log                       string
	exited                    chan struct{}
}

// MQTTURL is where units and collectors reach the node over MQTT.
func (n *NATSNode) MQTTURL() string { return fmt.Sprintf("tcp://127.0.0.1:%d", n.MQTT) }

// ClientURL is the node's NATS protocol address.
func (n *NATSNode) ClientURL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.Client) }

// NATSCluster is three (or more) nats-server processes routed to each
// other, started from config files as a city runs them.
type NATSCluster struct {
	Nodes []*NATSNode
}

// NATSPasswords are what the configs in configs/nats read from the
// environment; the tests' processes get these.
var NATSPasswords = map[string]string{
	"KAKOU_NATS_COLLECTOR_PASSWORD": "collector-secret",
	"KAKOU_NATS_DEVICE_PASSWORD":    "device-secret",
	"KAKOU_NATS_SYS_PASSWORD":       "sys-secret",
}

// StartNATSCluster starts one nats-server per config text, after moving
// every address in it onto a free loopback port and its store into a temp
// dir: "0.0.0.0:4222" (clients), "0.0.0.0:6222" (routes),
// "127.0.0.1:8222" (monitoring), "0.0.0.0:1883" (MQTT), "/var/lib/nats"
// and the route to node i, "nats-<i>.city.internal:6222", as the files in
// configs/nats write them. It waits until every node has a route to every
// other and JetStream has a meta leader, and stops them all when the test
// ends.
func StartNATSCluster(t testing.TB, confs []string) *NATSCluster {
	t.Helper()
	bin := NATSServer(t)
	c := &NATSCluster{}
	for i := range confs {
		c.Nodes = append(c.Nodes, &NATSNode{Name: fmt.Sprintf("node %d", i+1),
			Client: freePort(t), Route: freePort(t), HTTP: freePort(t), MQTT: freePort(t)})
	}
	for i, conf := range confs {
		n := c.Nodes[i]
		dir := t.TempDir()
		r := []string{
			"0.0.0.0:4222", fmt.Sprintf("127.0.0.1:%d", n.Client),
			"0.0.0.0:6222", fmt.Sprintf("127.0.0.1:%d", n.Route),
			"127.0.0.1:8222", fmt.Sprintf("127.0.0.1:%d", n.HTTP),
			"0.0.0.0:1883", fmt.Sprintf("127.0.0.1:%d", n.MQTT),
			"/var/lib/nats", filepath.Join(dir, "jetstream"),
		}
		for j, other := range c.Nodes {
			r = append(r, fmt.Sprintf("nats-%d.city.internal:6222", j+1), fmt.Sprintf("127.0.0.1:%d", other.Route))
		}
		n.Conf = filepath.Join(dir, fmt.Sprintf("node-%d.conf", i+1))
		if err := os.WriteFile(n.Conf, []byte(strings.NewReplacer(r...).Replace(conf)), 0o600); err != nil {
			t.Fatal(err)
		}
		n.log = filepath.Join(dir, "nats-server.log")
		c.start(t, bin, n)
	}
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			for _, n := range c.Nodes {
				b, _ := os.ReadFile(n.log)
				t.Logf("%s's log (last 4 KB):\n%s", n.Name, tail(b, 4096))
			}
		}
	})
	c.AwaitFormed(t, len(confs))
	return c
}

func (c *NATSCluster) start(t testing.TB, bin string, n *NATSNode) {
	t.Helper()
	logf, err := os.Create(n.log)
	if err != nil {
		t.Fatal(err)
	}
	n.cmd = exec.Command(bin, "-c", n.Conf)
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	n.cmd.Env = os.Environ()
	for k, v := range NATSPasswords {
		n.cmd.Env = append(n.cmd.Env, k+"="+v)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.exited = make(chan struct{})
	go func() { n.cmd.Wait(); logf.Close(); close(n.exited) }()
}

// Kill ends node i with SIGKILL, as a machine that loses power: no route
// is closed cleanly, nothing is flushed.
func (c *NATSCluster) Kill(t testing.TB, i int) {
	t.Helper()
	n := c.Nodes[i]
	n.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-n.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not exit after SIGKILL", n.Name)
	}
}

func (c *NATSCluster) stop() {
	for _, n := range c.Nodes {
		n.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, n := range c.Nodes {
		select {
		case <-n.exited:
		case <-time.After(10 * time.Second):
			n.cmd.Process.Kill()
			<-n.exited
		}
	}
}

// AwaitFormed waits until each live node has a route to all the others,
// all report the same JetStream meta leader, and each calls itself healthy.
func (c *NATSCluster) AwaitFormed(t testing.TB, live int) {
	t.Helper()
	Await(t, fmt.Sprintf("a cluster of %d nodes with a JetStream meta leader", live), 60*time.Second, func() bool {
		leader := ""
		for _, n := range c.Live() {
			var r struct {
				Name      string `json:"server_name"`
				NumRoutes int    `json:"num_routes"`
				Routes    []struct {
					Name string `json:"remote_name"`
				} `json:"routes"`
			}
			if getJSON(n.HTTP, "/routez", &r) != nil || distinct(r.Routes) < live-1 {
				return false
			}
			n.Name = r.Name
			var j struct {
				Meta *struct {
					Leader string `json:"leader"`
					Size   int    `json:"cluster_size"`
				} `json:"meta_cluster"`
			}
			if getJSON(n.HTTP, "/jsz", &j) != nil || j.Meta == nil || j.Meta.Leader == "" || leader != "" && j.Meta.Leader != leader {
				return false
			}
			leader = j.Meta.Leader
			// /healthz answers 200 only once this node's JetStream is
			// current with the meta leader, which its MQTT listener needs.
			var h struct{}
			if getJSON(n.HTTP, "/healthz", &h) != nil {
				return false
			}
		}
		return leader != ""
	})
}

func distinct(routes []struct {
	Name string `json:"remote_name"`
}) int {
	seen := map[string]bool{}
	for _, r := range routes {
		seen[r.Name] = true
	}
	return len(seen)
}

// Live are the nodes not killed.
func (c *NATSCluster) Live() []*NATSNode {
	var live []*NATSNode
	for _, n := range c.Nodes {
		select {
		case <-n.exited:
		default:
			live = append(live, n)
		}
	}
	return live
}

// Monitor reads path (/routez, /jsz, /healthz…) from node i's monitoring
// port into v.
func (c *NATSCluster) Monitor(i int, path string, v any) error {
	return getJSON(c.Nodes[i].HTTP, path, v)
}

func getJSON(port int, path string, v any) error {
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// freePort is a loopback port nothing listens on now, and one this
// process has not handed out before: the kernel may give a port it just
// freed to the next probe, and a node given the same port for two of its
// listeners dies at start ("address already in use"). Another process may
// still take it before the server does; the cluster then fails to start,
// with the server's own message in its log.
func freePort(t testing.TB) int {
	t.Helper()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if _, taken := handedOut.LoadOrStore(port, true); !taken {
			return port
		}
	}
}

// handedOut are the ports freePort has returned in this process.
var handedOut sync.Map

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
