package bridge

import (
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
)

func TestNewTakesACloudClustersNodesAndStartsWhereTheSiteAndGatewayHash(t *testing.T) {
	urls := []string{"tcp://n1:1883", "tcp://n2:1883", "tcp://n3:1883"}
	b, err := New(Options{Brokers: urls, Site: testSite, Gateway: testGateway, Outbox: new(sqlOutbox), Local: new(broker)})
	if err != nil {
		t.Fatal(err)
	}
	if want := urls[delivery.Start(3, testSite, testGateway)]; b.brokers.Current() != want {
		t.Fatalf("first dial %s, want %s", b.brokers.Current(), want)
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Broker: "tcp://a:1883", Brokers: urls}, "both Broker and Brokers"},
		{Options{Brokers: []string{"tcp://a:1883", "b:1883"}}, `cloud broker "b:1883"`},
		{Options{Brokers: []string{"ssl://a:8883", "tcp://b:1883"}}, "mix TLS and plain"},
	} {
		tc.o.Site, tc.o.Gateway, tc.o.Outbox, tc.o.Local = testSite, testGateway, new(sqlOutbox), new(broker)
		if _, err := New(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.o.Brokers, err, tc.want)
		}
	}
}

func TestBridgeFailsOverToTheCloudClustersNextNodeAndLosesNoEntry(t *testing.T) {
	r := newRig(t, time.Second, true)
	next := startBroker(t, "127.0.0.1:0")
	nextCol := startCollector(t, next.url)
	// The rig's bridge again, given both nodes in an order that starts it
	// on the rig's cloud: a real cluster's nodes share the collector's
	// store and its retained acks, these two do not, so the second
	// collector is told where the store stands.
	urls := make([]string, 2)
	start := delivery.Start(2, testSite, testGateway)
	urls[start], urls[(start+1)%2] = r.cloud.url, next.url
	o := r.b.opts
	o.Broker, o.Brokers = "", urls
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	b.t = r.b.t
	r.b = b

	r.backlog([]string{"u1"}, 1, 5, nil)
	r.start()
	r.drained(5)
	r.cloud.stop()
	nextCol.mu.Lock()
	nextCol.mark["u1"] = 5
	nextCol.mu.Unlock()
	r.backlog([]string{"u1"}, 6, 5, nil)
	waitFor(t, "entries 6-10 at the next node's collector", func() bool { return nextCol.count() >= 5 })
	waitFor(t, "the outbox to be acknowledged", func() bool { return r.out.backlog(t) == 0 })
	got, _ := nextCol.snapshot()
	for seq := uint64(6); seq <= 10; seq++ {
		if _, ok := got[key{"u1", seq}]; !ok {
			t.Errorf("seq %d never reached the next node", seq)
		}
	}
}
