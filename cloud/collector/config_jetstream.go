package collector

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/ingest"
)

// JetStreamConfig is the [broker.jetstream] table: entries taken from a
// NATS cluster's JetStream instead of an MQTT subscription (cloud/ingest,
// jetstream.go). It is on when urls is set. MQTT, through [broker] url or
// urls, still carries statuses, acks and pushes; [broker.tls] serves both.
type JetStreamConfig struct {
	URLs     []string `toml:"urls"`     // nats:// (or tls://) client URLs of the cluster's nodes
	Stream   string   `toml:"stream"`   // created or updated at start
	Consumer string   `toml:"consumer"` // durable, the same on every replica
	Replicas int      `toml:"replicas"` // copies of the stream, 1..5
	// AckWait is how long an entry a replica took stays its own before it
	// goes to another, e.g. after the replica was killed.
	AckWait       string `toml:"ack_wait"`
	MaxAckPending int    `toml:"max_ack_pending"` // entries out and unacknowledged, over all replicas
	// MaxAge is how long the stream keeps an entry, acknowledged or not:
	// how long the collector tier may be down before entries wait only in
	// the units' ledgers. From 1h to 2160h (90 days).
	MaxAge   string `toml:"max_age"`
	Username string `toml:"username"` // the NATS user of the collectors
	Password string `toml:"password"`
	// Live takes each entry also off core NATS as it arrives, in a queue
	// group of the collectors, so live entries are stored while the stream
	// re-elects its leader (cloud/ingest, jetstream_live.go). On by default.
	Live bool `toml:"live"`
}

func defaultJetStream() JetStreamConfig {
	return JetStreamConfig{Stream: ingest.DefaultStream, Consumer: ingest.DefaultConsumer,
		Replicas: ingest.DefaultReplicas, AckWait: ingest.DefaultAckWait.String(),
		MaxAckPending: ingest.DefaultMaxAckPending, MaxAge: "24h", Live: true} // ingest.DefaultMaxAge, as an operator writes it
}

// On says whether entries come from JetStream.
func (j JetStreamConfig) On() bool { return len(j.URLs) > 0 }

// natsURLSchemes are the client URL schemes nats.go dials.
var natsURLSchemes = map[string]bool{"nats": true, "tls": true, "ws": true, "wss": true}

// validateURLs checks the external broker's url or urls: exactly one.
func (b BrokerConfig) validateURLs(bad func(key, format string, args ...any)) {
	if b.Embedded {
		if len(b.URLs) > 0 {
			bad("broker.urls", "are for an external broker; remove them or set broker.embedded = false")
		}
		return
	}
	if len(b.URLs) == 0 {
		if err := checkBrokerURL(b.URL); err != nil {
			bad("broker.url", "%v (or list a cluster's nodes in broker.urls)", err)
		}
		return
	}
	if b.URL != "" {
		bad("broker.urls", "and broker.url are both set; keep one: urls for a cluster's nodes, url for one broker")
	}
	for i, u := range b.URLs {
		if err := checkBrokerURL(u); err != nil {
			bad(fmt.Sprintf("broker.urls[%d]", i), "%v", err)
		}
	}
}

func (b BrokerConfig) validateJetStream(bad func(key, format string, args ...any)) {
	j := b.JetStream
	if !j.On() {
		off := j
		off.URLs = nil
		if !reflect.DeepEqual(off, defaultJetStream()) && !reflect.DeepEqual(off, JetStreamConfig{}) {
			bad("broker.jetstream.urls", "is required to take entries from JetStream; set the cluster's nats:// URLs or remove [broker.jetstream]")
		}
		return
	}
	if b.Embedded {
		bad("broker.jetstream", "needs an external NATS cluster; set broker.embedded = false and broker.urls to its MQTT listeners")
	}
	if b.SharedGroup != "" {
		bad("broker.shared_group", "must be empty with [broker.jetstream]: the JetStream consumer shares the entries out, "+
			"and NATS's MQTT listener has no shared subscriptions ($share/… is not a group there)")
	}
	for i, raw := range j.URLs {
		u, err := url.Parse(raw)
		if err != nil || !natsURLSchemes[u.Scheme] || checkHostPort(u.Host) != nil {
			bad(fmt.Sprintf("broker.jetstream.urls[%d]", i), "%q is not a NATS client URL such as nats://10.0.0.5:4222", raw)
		}
	}
	for key, v := range map[string]string{"broker.jetstream.stream": j.Stream, "broker.jetstream.consumer": j.Consumer} {
		if v == "" || strings.ContainsFunc(v, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) {
			bad(key, "%q: use letters, digits, '-' and '_' only", v)
		}
	}
	if j.Replicas < 1 || j.Replicas > 5 {
		bad("broker.jetstream.replicas", "%d: JetStream keeps 1 to 5 copies; 3 survives the loss of one node", j.Replicas)
	}
	if d, err := time.ParseDuration(j.AckWait); err != nil || d < time.Second || d > time.Hour {
		bad("broker.jetstream.ack_wait", "%q: want a duration from 1s to 1h, e.g. \"30s\"", j.AckWait)
	}
	if j.MaxAckPending < 1 || j.MaxAckPending > 1<<20 {
		bad("broker.jetstream.max_ack_pending", "%d: want 1 to %d", j.MaxAckPending, 1<<20)
	}
	if d, err := time.ParseDuration(j.MaxAge); err != nil || d < ingest.MinMaxAge || d > ingest.MaxMaxAge {
		bad("broker.jetstream.max_age", "%q: want a duration from 1h to 2160h (90 days), e.g. \"24h\"", j.MaxAge)
	}
	if j.Password != "" && j.Username == "" {
		bad("broker.jetstream.password", "is set without broker.jetstream.username")
	}
}

// ingestJetStream is the [broker.jetstream] table as ingest takes it; nil
// when it is off. The TLS of [broker.tls] serves NATS too.
func (c *Collector) ingestJetStream() *ingest.JetStreamOptions {
	j := c.cfg.Broker.JetStream
	if !j.On() {
		return nil
	}
	wait, _ := time.ParseDuration(j.AckWait) // checked with the config
	age, _ := time.ParseDuration(j.MaxAge)
	return &ingest.JetStreamOptions{URLs: j.URLs, Stream: j.Stream, Consumer: j.Consumer,
		Replicas: j.Replicas, AckWait: wait, MaxAckPending: j.MaxAckPending, MaxAge: age,
		Username: j.Username, Password: j.Password, TLS: c.brokerTLS, DurableOnly: !j.Live}
}
