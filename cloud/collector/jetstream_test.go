package collector

import (
	"testing"

	"github.com/kakou/kakou/internal/natstest"
)

// A collector configured with [broker] urls and [broker.jetstream] takes a
// unit's entry from the cluster's JetStream: published over MQTT on a node
// other than the collector's first, and shown by the API.
func TestCollectorTakesEntriesFromAJetStreamCluster(t *testing.T) {
	c := natstest.Cluster(t, 3)
	cfg := testConfig(t)
	cfg.Broker = Default().Broker
	cfg.Broker.Embedded, cfg.Broker.Listen = false, ""
	cfg.Broker.URLs = c.MQTTURLs()
	cfg.Broker.JetStream.URLs = c.NATSURLs()
	cfg.Broker.JetStream.AckWait = "5s"
	col := start(t, cfg)
	publishEntry(t, c.Node(2).MQTTURL, 1)
	entriesOverHTTP(t, col.HTTPURL(), 1)
}
