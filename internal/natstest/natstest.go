// Package natstest starts a NATS cluster inside a test: every node with
// JetStream and an MQTT listener, routed to the others, all on ephemeral
// loopback ports, so a test can publish as a unit over MQTT on one node,
// consume from JetStream on another, and stop a node to stand in for one
// that was killed. Only tests import it (layout_test.go checks).
//
// The nodes log into a buffer that is printed only when the test fails.
package natstest

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ready bounds how long a node may take to listen and the cluster to
// elect its JetStream leader: a ceiling against a hang on a loaded
// machine, not a performance bound.
const ready = 30 * time.Second

// Node is one server of the cluster.
type Node struct {
	Name    string
	MQTTURL string // tcp://127.0.0.1:port, for paho
	NATSURL string // nats://127.0.0.1:port, for nats.go
	srv     *server.Server
	stopped bool
}

// Nodes is a running cluster; every node is shut down when the test ends.
type Nodes struct {
	t     testing.TB
	mu    sync.Mutex
	nodes []*Node
}

// Cluster starts n nodes (n >= 1) clustered by routes to one another, and
// returns once each accepts connections and the cluster has a JetStream
// meta leader that every node follows.
func Cluster(t testing.TB, n int) *Nodes {
	t.Helper()
	if n < 1 {
		t.Fatalf("natstest: a cluster needs at least one node, not %d", n)
	}
	logs := &logBuffer{}
	c := &Nodes{t: t}
	t.Cleanup(func() { // runs last: each node's own cleanup has stopped it
		if t.Failed() {
			t.Logf("NATS cluster log (last %d lines):\n%s", maxLines, logs.String())
		}
	})
	// Routes must name every node's cluster port before any starts, so
	// those ports are reserved up front; the client and MQTT ports are
	// chosen by each node as it listens.
	routePorts := freePorts(t, n)
	var routes []*url.URL
	for _, p := range routePorts {
		routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	for i := range n {
		c.nodes = append(c.nodes, startNode(t, i, routePorts[i], routes, n > 1, logs))
		// Registered after the node's TempDir, so it runs before the
		// directory is removed: a running node still writes there.
		t.Cleanup(func() { c.Stop(i) })
	}
	c.awaitJetStream()
	return c
}

func startNode(t testing.TB, i, routePort int, routes []*url.URL, clustered bool, logs *logBuffer) *Node {
	t.Helper()
	name := fmt.Sprintf("n%d", i+1)
	o := &server.Options{
		ServerName: name, Host: "127.0.0.1", Port: server.RANDOM_PORT,
		NoSigs: true, JetStream: true, StoreDir: t.TempDir(),
		JetStreamMaxMemory: 64 << 20, JetStreamMaxStore: 1 << 30,
		MQTT: server.MQTTOpts{Host: "127.0.0.1", Port: server.RANDOM_PORT},
	}
	if clustered {
		o.Cluster = server.ClusterOpts{Name: "kakou-test", Host: "127.0.0.1", Port: routePort}
		o.Routes = routes
	}
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatalf("natstest: node %s: %v", name, err)
	}
	s.SetLogger(logs.prefixed(name), false, false)
	s.Start()
	if !s.ReadyForConnections(ready) {
		s.Shutdown()
		t.Fatalf("natstest: node %s did not listen within %v (see the cluster log)", name, ready)
	}
	// MQTT's port is written into the options under the server's lock
	// before ReadyForConnections can see its listener.
	return &Node{Name: name, srv: s,
		MQTTURL: fmt.Sprintf("tcp://127.0.0.1:%d", o.MQTT.Port),
		NATSURL: s.ClientURL()}
}

// awaitJetStream waits until the running nodes agree on a meta leader, so
// the first stream a test creates, and the first MQTT session, succeed.
func (c *Nodes) awaitJetStream() {
	c.t.Helper()
	deadline := time.Now().Add(ready)
	for {
		leader, current := false, true
		for _, n := range c.running() {
			leader = leader || n.srv.JetStreamIsLeader()
			current = current && n.srv.JetStreamIsCurrent()
		}
		if leader && current {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("natstest: no JetStream leader within %v (see the cluster log)", ready)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Node returns node i (0-based).
func (c *Nodes) Node(i int) *Node { return c.nodes[i] }

// Len is the number of nodes started, stopped ones included.
func (c *Nodes) Len() int { return len(c.nodes) }

// NATSURLs are every node's client URL, stopped ones included, as a
// deployment would list them.
func (c *Nodes) NATSURLs() []string {
	urls := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		urls[i] = n.NATSURL
	}
	return urls
}

// MQTTURLs are every node's MQTT URL.
func (c *Nodes) MQTTURLs() []string {
	urls := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		urls[i] = n.MQTTURL
	}
	return urls
}

// Stop shuts node i down, as a killed node would leave the others: its
// clients are cut off, its routes drop, and the rest elect new leaders for
// whatever it led. It is not restarted.
func (c *Nodes) Stop(i int) {
	c.mu.Lock()
	n := c.nodes[i]
	already := n.stopped
	n.stopped = true
	c.mu.Unlock()
	if !already {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
	}
}

func (c *Nodes) running() []*Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	var up []*Node
	for _, n := range c.nodes {
		if !n.stopped {
			up = append(up, n)
		}
	}
	return up
}

// freePorts reserves n loopback ports by listening on each and closing it;
// a node binds its port moments later.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	var ls []net.Listener
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("natstest: reserve a port: %v", err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// maxLines bounds the log kept for a failing test.
const maxLines = 400

// logBuffer keeps the nodes' last maxLines log lines.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) add(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.lines) == maxLines {
		b.lines = b.lines[1:]
	}
	b.lines = append(b.lines, time.Now().Format("15:04:05.000 ")+line)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

func (b *logBuffer) prefixed(node string) server.Logger { return nodeLog{b, node} }

// nodeLog is a server.Logger writing one node's lines into the buffer.
type nodeLog struct {
	b    *logBuffer
	node string
}

func (l nodeLog) log(level, format string, v []any) {
	l.b.add(l.node + " " + level + " " + fmt.Sprintf(format, v...))
}
func (l nodeLog) Noticef(format string, v ...any) { l.log("INF", format, v) }
func (l nodeLog) Warnf(format string, v ...any)   { l.log("WRN", format, v) }
func (l nodeLog) Fatalf(format string, v ...any)  { l.log("FTL", format, v) }
func (l nodeLog) Errorf(format string, v ...any)  { l.log("ERR", format, v) }
func (l nodeLog) Debugf(format string, v ...any)  { l.log("DBG", format, v) }
func (l nodeLog) Tracef(format string, v ...any)  { l.log("TRC", format, v) }
