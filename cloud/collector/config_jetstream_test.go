package collector

import (
	"errors"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/ingest"
)

const natsBroker = `data_dir = "d"
[broker]
embedded = false
urls = ["tcp://10.0.0.11:1883", "tcp://10.0.0.12:1883", "tcp://10.0.0.13:1883"]
client_id = "cloud-1"
`

func TestLoadConfigReadsBrokerURLsAndJetStream(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, natsBroker+`
[broker.jetstream]
urls = ["nats://10.0.0.11:4222", "tls://10.0.0.12:4222"]
stream = "CITY"
consumer = "city-collectors"
replicas = 5
ack_wait = "1m"
max_ack_pending = 1000
max_age = "168h"
username = "collector"
password = "secret"`))
	if err != nil {
		t.Fatal(err)
	}
	want := JetStreamConfig{URLs: []string{"nats://10.0.0.11:4222", "tls://10.0.0.12:4222"}, Stream: "CITY",
		Consumer: "city-collectors", Replicas: 5, AckWait: "1m", MaxAckPending: 1000, MaxAge: "168h", Username: "collector", Password: "secret", Live: true}
	if !reflect.DeepEqual(cfg.Broker.JetStream, want) || len(cfg.Broker.URLs) != 3 {
		t.Fatalf("broker %+v, want jetstream %+v and 3 MQTT URLs", cfg.Broker, want)
	}
	got := (&Collector{cfg: cfg}).ingestJetStream()
	if got == nil || got.AckWait != time.Minute || got.MaxAge != 7*24*time.Hour || got.Replicas != 5 || got.Stream != "CITY" || got.Username != "collector" {
		t.Fatalf("ingest options %+v", got)
	}
}

func TestJetStreamIsOffUnlessItsURLsAreSet(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, natsBroker))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Broker.JetStream.On() || (&Collector{cfg: cfg}).ingestJetStream() != nil {
		t.Fatalf("jetstream on without urls: %+v", cfg.Broker.JetStream)
	}
	if d := defaultJetStream(); d.Stream != ingest.DefaultStream || d.AckWait != "30s" || d.Replicas != 3 ||
		d.MaxAge != "24h" || ingest.DefaultMaxAge != 24*time.Hour {
		t.Fatalf("defaults %+v", d)
	}
}

func TestLoadConfigNamesEveryJetStreamProblemWithItsKey(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"url and urls", `data_dir = "d"
[broker]
embedded = false
url = "tcp://10.0.0.5:1883"
urls = ["tcp://10.0.0.11:1883"]`, []string{"broker.urls: and broker.url are both set"}},
		{"a bad MQTT node", `data_dir = "d"
[broker]
embedded = false
urls = ["tcp://10.0.0.11:1883", "nats://10.0.0.12:4222"]`, []string{`broker.urls[1]: "nats://10.0.0.12:4222" is not a broker URL`}},
		{"urls on the embedded broker", `data_dir = "d"
[broker]
urls = ["tcp://10.0.0.11:1883"]`, []string{"broker.urls: are for an external broker"}},
		{"jetstream keys without urls", natsBroker + `[broker.jetstream]
stream = "CITY"`, []string{"broker.jetstream.urls: is required"}},
		{"every bad value at once", natsBroker + `shared_group = "kakou-collectors"
[broker.jetstream]
urls = ["tcp://10.0.0.11:4222", "nats://nohost"]
stream = "a.b"
consumer = "c d"
replicas = 7
ack_wait = "10ms"
max_ack_pending = 0
max_age = "30m"
password = "p"`, []string{
			"broker.shared_group: must be empty with [broker.jetstream]",
			"no shared subscriptions",
			`broker.jetstream.urls[0]: "tcp://10.0.0.11:4222" is not a NATS client URL`,
			`broker.jetstream.urls[1]: "nats://nohost" is not a NATS client URL`,
			`broker.jetstream.stream: "a.b"`,
			`broker.jetstream.consumer: "c d"`,
			"broker.jetstream.replicas: 7",
			`broker.jetstream.ack_wait: "10ms"`,
			"broker.jetstream.max_ack_pending: 0",
			`broker.jetstream.max_age: "30m"`,
			"broker.jetstream.password: is set without broker.jetstream.username",
		}},
		{"a misspelt ack wait", natsBroker + `[broker.jetstream]
urls = ["nats://10.0.0.11:4222"]
ack_wait = "thirty seconds"`, []string{`broker.jetstream.ack_wait: "thirty seconds"`}},
		{"a misspelt max age", natsBroker + `[broker.jetstream]
urls = ["nats://10.0.0.11:4222"]
max_age = "a week"`, []string{`broker.jetstream.max_age: "a week": want a duration from 1h to 2160h`}},
		{"a max age past 90 days", natsBroker + `[broker.jetstream]
urls = ["nats://10.0.0.11:4222"]
max_age = "2161h"`, []string{`broker.jetstream.max_age: "2161h"`}},
		{"a misspelt key", natsBroker + `[broker.jetstream]
urls = ["nats://10.0.0.11:4222"]
replica = 3`, []string{"broker.jetstream.replica: unknown key"}},
		{"jetstream on the embedded broker", `data_dir = "d"
[broker.jetstream]
urls = ["nats://10.0.0.11:4222"]`, []string{"broker.jetstream: needs an external NATS cluster"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.body))
			var cerr *ConfigError
			if !errors.As(err, &cerr) {
				t.Fatalf("got %v, want a ConfigError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestNATSCityExampleLoadsWithJetStreamOn(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	cfg, err := LoadConfig(filepath.Join(filepath.Dir(here), "..", "..", "configs", "cloud-nats-city.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Broker.JetStream.On() || len(cfg.Broker.URLs) != 3 || cfg.Broker.SharedGroup != "" || cfg.Store.Driver != "postgres" {
		t.Fatalf("broker %+v store %+v: want 3 MQTT nodes, JetStream on, no shared group, PostgreSQL", cfg.Broker, cfg.Store)
	}
}
