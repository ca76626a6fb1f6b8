package config

import (
	"strings"
	"testing"
)

func TestCloudBrokersAreAClustersNodesAndEveryProblemIsNamedWithItsKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Cloud)
		want string // "" = valid
	}{
		{"three nodes", func(c *Cloud) { c.Broker, c.Brokers = "", []string{"tcp://n1:1883", "tcp://n2:1883", "tcp://n3:1883"} }, ""},
		{"TLS nodes with a CA", func(c *Cloud) {
			c.Broker, c.Brokers, c.CAFile = "", []string{"ssl://n1:8883", "ssl://n2:8883"}, "ca.pem"
		}, ""},
		{"both", func(c *Cloud) { c.Brokers = []string{"tcp://n1:1883"} }, "cloud.brokers: give broker (one broker) or brokers"},
		{"neither", func(c *Cloud) { c.Broker = "" }, "cloud.broker: is required"},
		{"a bad node", func(c *Cloud) { c.Broker, c.Brokers = "", []string{"tcp://n1:1883", "n2:1883"} }, `cloud.brokers[1]: "n2:1883"`},
		{"mixed", func(c *Cloud) { c.Broker, c.Brokers = "", []string{"ssl://n1:8883", "tcp://n2:1883"} }, "cloud.brokers: broker \"ssl://n1:8883\" and \"tcp://n2:1883\" mix TLS and plain"},
		{"twice", func(c *Cloud) { c.Broker, c.Brokers = "", []string{"tcp://n1:1883", "tcp://n1:1883"} }, "listed twice"},
		{"TLS files on plain nodes", func(c *Cloud) {
			c.Broker, c.Brokers, c.CAFile = "", []string{"tcp://n1:1883", "tcp://n2:1883"}, "ca.pem"
		}, "cloud.ca_file: TLS files need a TLS broker URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.edit(&c.Cloud)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate = %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate = %v, want %q", err, tc.want)
			}
		})
	}
}
