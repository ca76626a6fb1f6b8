package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// startCityNodes runs configs/nats's three nodes as processes: unlike the
// in-process cluster, whose Stop hands a stream's leadership on at once, a
// process can be SIGKILLed, which leaves its streams leaderless until raft
// elects again, seconds later.
func startCityNodes(t *testing.T) *testenv.NATSCluster {
	t.Helper()
	var confs []string
	for i := 1; i <= 3; i++ {
		b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "configs", "nats", fmt.Sprintf("node-%d.conf", i)))
		if err != nil {
			t.Fatal(err)
		}
		confs = append(confs, string(b))
	}
	return testenv.StartNATSCluster(t, confs)
}

// cityStream is a collector's JetStream handle on node i of the city.
func cityStream(t *testing.T, c *testenv.NATSCluster, i int) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(c.Nodes[i].ClientURL(),
		nats.UserInfo("collector", testenv.NATSPasswords["KAKOU_NATS_COLLECTOR_PASSWORD"]))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// entriesLeader is the index of the node leading the entries stream, or -1
// when asking finds none: no leader answers while raft elects one.
func entriesLeader(js jetstream.JetStream) int {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	s, err := js.Stream(ctx, DefaultStream)
	if err != nil {
		return -1
	}
	info := s.CachedInfo()
	var i int
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return -1
	}
	if _, err := fmt.Sscanf(info.Cluster.Leader, "kakou-nats-%d", &i); err != nil {
		return -1
	}
	return i - 1
}

func TestLivePathStoresEntriesWhileTheEntriesStreamHasNoLeaderIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("three nats-server processes and a raft re-election")
	}
	c, s := startCityNodes(t), openStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
	defer cancel()
	if _, err := ensureConsumer(ctx, cityStream(t, c, 0), JetStreamOptions{}.withDefaults()); err != nil {
		t.Fatal(err)
	}
	leader := -1
	testenv.Await(t, "the entries stream's leader", clusterWait, func() bool {
		leader = entriesLeader(cityStream(t, c, 0))
		return leader >= 0
	})
	survivor, unitNode := (leader+1)%3, (leader+2)%3
	var mqtt, natsURLs []string
	for i := range 3 {
		mqtt, natsURLs = append(mqtt, c.Nodes[i].MQTTURL()), append(natsURLs, c.Nodes[i].ClientURL())
	}
	pw := testenv.NATSPasswords["KAKOU_NATS_COLLECTOR_PASSWORD"]
	in, err := New(s, Options{BrokerURLs: rotate(mqtt, survivor), ClientID: "cloud", Username: "collector", Password: pw,
		JetStream: &JetStreamOptions{URLs: rotate(natsURLs, survivor), Username: "collector", Password: pw}})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Stop)
	u := paho.NewClient(paho.NewClientOptions().AddBroker(c.Nodes[unitNode].MQTTURL()).SetClientID("unit").
		SetUsername("device").SetPassword(testenv.NATSPasswords["KAKOU_NATS_DEVICE_PASSWORD"]))
	if tok := u.Connect(); !tok.WaitTimeout(clusterWait) || tok.Error() != nil {
		t.Fatalf("unit connect: %v", tok.Error())
	}
	t.Cleanup(func() { u.Disconnect(0) })
	asker := cityStream(t, c, survivor)

	c.Kill(t, leader)
	if l := entriesLeader(asker); l >= 0 {
		t.Fatalf("node %d leads the stream at once; the test needs it leaderless", l)
	}
	var sent []wire.Entry
	for seq := uint64(1); seq <= 10; seq++ {
		sent = append(sent, entry("site-a", "u1", seq))
	}
	publishAsync(t, u, sent...)
	testenv.Await(t, "the 10 entries stored", clusterWait, func() bool { return len(entries(t, s)) == 10 })
	// Raft waits seconds before electing; the live path did not wait.
	if l := entriesLeader(asker); l >= 0 {
		t.Fatalf("node %d leads the stream again already: this run cannot tell the live path from the durable one", l)
	}
	if st := in.Stats(); st.Live != 10 {
		t.Fatalf("stats %+v, want the 10 entries taken off the live path", st)
	}
}
