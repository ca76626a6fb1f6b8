package ingest

import (
	"fmt"
	"testing"

	"github.com/kakou/kakou/internal/natstest"
)

// BenchmarkJetStreamIngest is BenchmarkIngest on an in-process 3-node NATS
// cluster: a unit publishes a backlog at QoS 1 over MQTT to one node, the
// stream keeps 3 copies, and a collector on another node pulls, stores in
// SQLite and acknowledges; the round ends when the unit's last ack arrives
// over MQTT. Each round is a fresh database and collector on the same
// durable consumer.
func BenchmarkJetStreamIngest(b *testing.B) {
	c := natstest.Cluster(b, 3)
	u := natsUnit(b, c.Node(1).MQTTURL, "bench-unit")
	benchBacklog(b, u, watchAcks(b, c.Node(2).MQTTURL, "watch"), clusterWait, func(round int) *Ingest {
		return startJetStreamIngest(b, openStore(b), c, 0, fmt.Sprintf("cloud-%d", round), DefaultAckWait)
	})
}
