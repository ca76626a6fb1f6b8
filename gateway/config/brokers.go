package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/kakou/kakou/firmware/delivery"
)

// URLs is what the bridge dials: [cloud] broker, or the nodes of a
// clustered cloud broker in [cloud] brokers, tried from one the site and
// gateway choose (delivery.Rotation).
func (c Cloud) URLs() []string {
	if len(c.Brokers) > 0 {
		return c.Brokers
	}
	return []string{c.Broker}
}

// Where names the broker or the cluster in logs.
func (c Cloud) Where() string { return strings.Join(c.URLs(), ",") }

// brokersValid checks broker and brokers, exactly one given, each a URL
// the bridge dials and the list all TLS or all plain, and says whether
// they passed.
func (c Cloud) brokersValid(bad func(string, string, ...any)) bool {
	switch {
	case c.Broker != "" && len(c.Brokers) > 0:
		bad("cloud.brokers", "give broker (one broker) or brokers (a cluster's nodes), not both")
		return false
	case len(c.Brokers) == 0 && c.Broker == "":
		bad("cloud.broker", "is required (the cloud collector's broker, e.g. tcp://127.0.0.1:18830, or brokers = [...] for a cluster's nodes)")
		return false
	case len(c.Brokers) == 0:
		if !cloudURL(c.Broker) {
			bad("cloud.broker", "%q: want tcp://host:port or ssl://host:port", c.Broker)
			return false
		}
		return true
	}
	ok := true
	for i, b := range c.Brokers {
		if !cloudURL(b) {
			bad(fmt.Sprintf("cloud.brokers[%d]", i), "%q: want tcp://host:port or ssl://host:port", b)
			ok = false
		}
	}
	if ok {
		if err := delivery.CheckBrokers(c.Brokers); err != nil {
			bad("cloud.brokers", "%v", err)
			return false
		}
	}
	return ok
}

func cloudURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && slices.Contains(append([]string{"tcp"}, tlsSchemes...), u.Scheme)
}
