package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// natsSubject is NATS's MQTT mapping of a topic: '/' becomes '.', and a '.'
// in the topic becomes "//".
func natsSubject(topic string) string {
	var b strings.Builder
	for i := 0; i < len(topic); i++ {
		switch r := topic[i]; r {
		case '/':
			b.WriteByte('.')
		case '.':
			b.WriteString("//")
		default:
			b.WriteByte(r)
		}
	}
	return b.String()
}

var subjectTopics = []struct{ subject, topic string }{
	{"kakou.v1.site-a.u1.entry", "kakou/v1/site-a/u1/entry"},
	{"kakou.v1.s_1.gate-2.status", "kakou/v1/s_1/gate-2/status"},
	{"kakou.v1.a//b.u1.entry", "kakou/v1/a.b/u1/entry"}, // a dot in a level
	{"", ""},
}

func TestSubjectTopicReversesNATSsMQTTMapping(t *testing.T) {
	for _, c := range subjectTopics {
		if got := subjectTopic(c.subject); got != c.topic {
			t.Errorf("subjectTopic(%q) = %q, want %q", c.subject, got, c.topic)
		}
		if got := natsSubject(c.topic); got != c.subject {
			t.Errorf("natsSubject(%q) = %q, want %q", c.topic, got, c.subject)
		}
	}
}

// A subject that maps to a topic ingest accepts is the only subject that
// does: no second spelling of a unit's subject can write as that unit.
func FuzzSubjectTopic(f *testing.F) {
	for _, c := range subjectTopics {
		f.Add(c.subject)
	}
	f.Add("kakou.v1.site-a.u1///.entry")
	f.Add("kakou.v1..u1.entry")
	f.Fuzz(func(t *testing.T, subject string) {
		topic := subjectTopic(subject)
		if _, _, _, err := wire.ParseTopic(topic); err != nil {
			return
		}
		if back := natsSubject(topic); back != subject {
			t.Fatalf("subject %q reads as topic %q, whose own subject is %q", subject, topic, back)
		}
	})
}

func TestJetStreamOptionsNameWhatIsWrong(t *testing.T) {
	good := func() Options {
		return Options{BrokerURLs: []string{"tcp://127.0.0.1:1883", "tcp://127.0.0.2:1883"}, ClientID: "c",
			JetStream: &JetStreamOptions{URLs: []string{"nats://127.0.0.1:4222"}}}
	}
	if err := good().validate(); err != nil {
		t.Fatalf("good options refused: %v", err)
	}
	cases := []struct {
		name, want string
		edit       func(*Options)
	}{
		{"no URLs", "client URLs", func(o *Options) { o.JetStream.URLs = nil }},
		{"an MQTT URL", `"tcp://127.0.0.1:4222"`, func(o *Options) { o.JetStream.URLs = []string{"tcp://127.0.0.1:4222"} }},
		{"a shared group", "shared group", func(o *Options) { o.SharedGroup = "g" }},
		{"a dotted stream", "stream", func(o *Options) { o.JetStream.Stream = "a.b" }},
		{"a wildcard consumer", "consumer", func(o *Options) { o.JetStream.Consumer = "c*" }},
		{"6 replicas", "replicas 6", func(o *Options) { o.JetStream.Replicas = 6 }},
		{"negative replicas", "replicas -1", func(o *Options) { o.JetStream.Replicas = -1 }},
		{"a short ack wait", "ack wait", func(o *Options) { o.JetStream.AckWait = time.Millisecond }},
		{"negative max ack pending", "max ack pending", func(o *Options) { o.JetStream.MaxAckPending = -1 }},
		{"a max age under an hour", "max age 59m0s", func(o *Options) { o.JetStream.MaxAge = 59 * time.Minute }},
		{"a max age over 90 days", "max age", func(o *Options) { o.JetStream.MaxAge = 91 * 24 * time.Hour }},
		{"a password alone", "password", func(o *Options) { o.JetStream.Password = "p" }},
		{"both broker URL and list", "not both", func(o *Options) { o.BrokerURL = "tcp://127.0.0.1:1883" }},
		{"neither broker URL nor list", "neither", func(o *Options) { o.BrokerURLs = nil }},
		{"a bad URL in the list", `"nowhere"`, func(o *Options) { o.BrokerURLs = append(o.BrokerURLs, "nowhere") }},
	}
	for _, c := range cases {
		o := good()
		js := *o.JetStream
		o.JetStream = &js
		c.edit(&o)
		err := o.validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming %q", c.name, err, c.want)
		}
	}
}

func TestJetStreamOptionsDefaults(t *testing.T) {
	got := JetStreamOptions{URLs: []string{"nats://h:4222"}}.withDefaults()
	want := JetStreamOptions{URLs: []string{"nats://h:4222"}, Stream: "KAKOU_ENTRIES", Consumer: "kakou-collectors",
		Replicas: 3, AckWait: 30 * time.Second, MaxAckPending: 65536, MaxAge: 24 * time.Hour}
	if got.MaxAge != want.MaxAge || got.Stream != want.Stream || got.Consumer != want.Consumer || got.Replicas != want.Replicas ||
		got.AckWait != want.AckWait || got.MaxAckPending != want.MaxAckPending {
		t.Fatalf("defaults %+v, want %+v", got, want)
	}
}
