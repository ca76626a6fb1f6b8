package ingest

import (
	"encoding/json"
	"fmt"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/natstest"
	"github.com/kakou/kakou/internal/testenv"
)

// BenchmarkJetStreamIngest is BenchmarkIngest on an in-process 3-node NATS
// cluster: a unit publishes a backlog at QoS 1 over MQTT to one node, the
// stream keeps 3 copies, and a collector on another node pulls, stores in
// SQLite and acknowledges; the round ends when the unit's last ack arrives
// over MQTT. Each round is a fresh database and collector on the same
// durable consumer.
func BenchmarkJetStreamIngest(b *testing.B) {
	const backlog = 5000
	c := natstest.Cluster(b, 3)
	u := natsUnit(b, c.Node(1).MQTTURL, "bench-unit")
	acks := watchAcks(b, c.Node(2).MQTTURL, "watch")
	for round := 0; b.Loop(); round++ {
		b.StopTimer()
		unitID := fmt.Sprintf("u%d", round)
		payloads := make([][]byte, backlog)
		for i := range payloads {
			payloads[i], _ = json.Marshal(entry("site-a", unitID, uint64(i+1)))
		}
		in := startJetStreamIngest(b, openStore(b), c, 0, fmt.Sprintf("cloud-%d", round), DefaultAckWait)
		b.StartTimer()
		toks := make([]paho.Token, 0, backlog)
		for _, p := range payloads {
			toks = append(toks, u.Publish(wire.EntryTopic("site-a", unitID), wire.QoSEntry, false, p))
		}
		for _, tok := range toks {
			if tok.Wait(); tok.Error() != nil {
				b.Fatal(tok.Error())
			}
		}
		testenv.Await(b, "backlog acknowledged", clusterWait, acks.reaches(unitID, backlog))
		b.StopTimer()
		in.Stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*backlog)/b.Elapsed().Seconds(), "entries/s")
}
