package uplink

import (
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/delivery"
)

// cluster is three separate embedded brokers standing in for a cluster's
// nodes, each with its own collector, ordered so that nodes[0] is the one
// the test unit starts on: a real cluster shares retained acks between
// nodes, these do not, so each collector is told where the store already
// stands (from), as a collector over a shared store would know it.
type cluster struct {
	nodes []*broker
	colls []*collector
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	bs := []*broker{startBroker(t, "127.0.0.1:0", nil), startBroker(t, "127.0.0.1:0", nil), startBroker(t, "127.0.0.1:0", nil)}
	start := delivery.Start(len(bs), testStatus.Site, testStatus.Unit)
	c := &cluster{}
	for i := range bs {
		b := bs[(start+i)%len(bs)]
		c.nodes = append(c.nodes, b)
		c.colls = append(c.colls, startCollector(t, b.url))
	}
	return c
}

// urls lists the nodes in the config's order, which is not the order the
// unit tries them in: that is the hash's business.
func (c *cluster) urls() []string {
	start := delivery.Start(len(c.nodes), testStatus.Site, testStatus.Unit)
	urls := make([]string, len(c.nodes))
	for i, b := range c.nodes {
		urls[(start+i)%len(c.nodes)] = b.url
	}
	return urls
}

// from tells collector i the unit's entries up to seq are already stored.
func (c *cluster) from(i int, seq uint64) {
	c.colls[i].mu.Lock()
	c.colls[i].contig = seq
	c.colls[i].mu.Unlock()
	c.colls[i].poke()
}

func brokers(urls []string) func(*Options) {
	return func(o *Options) { o.Broker, o.Brokers = "", urls }
}

func TestUplinkFailsOverToTheNextNodeWhenItsNodeDiesAndLosesNoEntry(t *testing.T) {
	c := startCluster(t)
	l := newLedger(t)
	l.addN(t, 10)
	startUplink(t, l, "", brokers(c.urls()))
	c.colls[0].awaitContig(10) // the hash's node: the unit started there
	l.awaitEmptyBacklog(t)

	c.nodes[0].stop()
	c.from(1, 10)
	c.from(2, 10)
	l.addN(t, 10)
	c.colls[1].awaitContig(20) // the next node, not the one after it
	l.awaitEmptyBacklog(t)
	if got := c.colls[2].received(); len(got) != 0 {
		t.Fatalf("the third node got %d entries; the unit should have tried the next node first", len(got))
	}
	for seq := uint64(11); seq <= 20; seq++ {
		if n := c.colls[1].copies(seq); n != 1 {
			t.Errorf("seq %d reached the next node %d times, want once", seq, n)
		}
	}
}

func TestUplinkTriesTheRestOfItsNodesInOrderUntilOneAnswers(t *testing.T) {
	c := startCluster(t)
	l := newLedger(t)
	l.addN(t, 5)
	startUplink(t, l, "", brokers(c.urls()))
	c.colls[0].awaitContig(5)
	l.awaitEmptyBacklog(t)

	c.nodes[1].stop() // the next node is down too
	c.nodes[0].stop()
	c.from(2, 5)
	l.addN(t, 5)
	c.colls[2].awaitContig(10)
	l.awaitEmptyBacklog(t)
}

func TestUplinkRefusesBrokerAndBrokersTogetherAndAMixedList(t *testing.T) {
	l := newLedger(t)
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Broker: "tcp://a:1883", Brokers: []string{"tcp://b:1883"}}, "both Broker and Brokers"},
		{Options{Brokers: []string{"tcp://a:1883", "ssl://b:8883"}}, "mix TLS and plain"},
		{Options{Brokers: []string{"tcp://a:1883", "a:1883"}}, `"a:1883"`},
		{Options{Brokers: []string{"tcp://a:1883", "tcp://a:1883"}}, "listed twice"},
		{Options{Brokers: []string{"tcp://a:1883", "tcp://b:1883"}, CAFile: "ca.pem"}, "not a TLS URL"},
	} {
		tc.o.Status = testStatus
		_, err := New(l, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error saying %s", tc.o.Brokers, err, tc.want)
		}
	}
}
