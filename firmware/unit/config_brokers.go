package unit

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/kakou/kakou/firmware/delivery"
)

// brokerSchemes are the URL schemes the uplink dials.
var brokerSchemes = []string{"tcp", "ssl", "tls", "mqtt", "mqtts", "ws", "wss"}

// URLs is what the uplink dials: [mqtt] broker, or the nodes of a
// clustered broker in [mqtt] brokers, which it tries starting from one its
// site and unit choose (delivery.Rotation).
func (m MQTTConfig) URLs() []string {
	if len(m.Brokers) > 0 {
		return m.Brokers
	}
	return []string{m.Broker}
}

// Where names the broker or the cluster in logs and the saved flow.
func (m MQTTConfig) Where() string { return strings.Join(m.URLs(), ",") }

// brokerProblems checks broker and brokers: exactly one, each a URL the
// uplink dials, and a list all TLS or all plain.
func (m MQTTConfig) brokerProblems() []string {
	var p []string
	bad := func(key, format string, args ...any) { p = append(p, "mqtt."+key+": "+fmt.Sprintf(format, args...)) }
	switch {
	case m.Broker != "" && len(m.Brokers) > 0:
		bad("brokers", "give broker (one broker) or brokers (a cluster's nodes), not both")
		return p
	case len(m.Brokers) == 0:
		if !brokerURL(m.Broker) {
			bad("broker", "%q is not a broker URL like tcp://192.168.1.10:1883 (or give brokers = [...] for a cluster's nodes)", m.Broker)
		}
		return p
	}
	for i, b := range m.Brokers {
		if !brokerURL(b) {
			bad(fmt.Sprintf("brokers[%d]", i), "%q is not a broker URL like tcp://n1.city.example:1883", b)
		}
	}
	if len(p) == 0 {
		if err := delivery.CheckBrokers(m.Brokers); err != nil {
			bad("brokers", "%v", err)
		}
	}
	return p
}

func brokerURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && slices.Contains(brokerSchemes, u.Scheme) && u.Host != ""
}
