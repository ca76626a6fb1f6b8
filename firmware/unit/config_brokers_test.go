package unit

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const clusterConfig = `
site = "s1"
unit = "u1"
data_dir = "/var/lib/kakou"
[mqtt]
`

func TestLoadConfigTakesAClustersNodesAsBrokers(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, clusterConfig+`brokers = ["ssl://n1:8883", "ssl://n2:8883", "ssl://n3:8883"]
ca_file = "/etc/kakou/ca.pem"
`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ssl://n1:8883", "ssl://n2:8883", "ssl://n3:8883"}; !slices.Equal(c.MQTT.URLs(), want) {
		t.Fatalf("URLs() = %v, want %v", c.MQTT.URLs(), want)
	}
	if c.MQTT.Where() != "ssl://n1:8883,ssl://n2:8883,ssl://n3:8883" {
		t.Fatalf("Where() = %q", c.MQTT.Where())
	}
}

func TestLoadConfigNamesEveryBrokersProblemWithItsKey(t *testing.T) {
	for _, tc := range []struct {
		name, mqtt string
		want       []string
	}{
		{"both", `broker = "tcp://a:1883"` + "\n" + `brokers = ["tcp://b:1883"]`, []string{"mqtt.brokers: give broker (one broker) or brokers"}},
		{"neither", ``, []string{"mqtt.broker: \"\" is not a broker URL"}},
		{"an empty list", `brokers = []`, []string{"mqtt.broker: \"\" is not a broker URL"}},
		{"a bad node", `brokers = ["tcp://a:1883", "b:1883", "http://c"]`, []string{
			`mqtt.brokers[1]: "b:1883" is not a broker URL`, `mqtt.brokers[2]: "http://c" is not a broker URL`}},
		{"mixed TLS", `brokers = ["ssl://a:8883", "tcp://b:1883"]`, []string{"mqtt.brokers: broker \"ssl://a:8883\" and \"tcp://b:1883\" mix TLS and plain"}},
		{"twice", `brokers = ["tcp://a:1883", "tcp://a:1883"]`, []string{"mqtt.brokers: broker \"tcp://a:1883\" is listed twice"}},
		{"TLS files on plain nodes", `brokers = ["tcp://a:1883", "tcp://b:1883"]` + "\nca_file = \"ca.pem\"", []string{"mqtt.ca_file: TLS files need a TLS broker URL"}},
		{"a string, not a list", `brokers = "tcp://a:1883,tcp://b:1883"`, []string{"brokers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, clusterConfig+tc.mqtt+"\n"))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ConfigError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}
