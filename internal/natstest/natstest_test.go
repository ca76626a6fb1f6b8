package natstest

import (
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats.go"
)

// An MQTT publish on one node reaches a NATS subscriber on another under
// the subject NATS maps the topic to; after a node stops, the rest carry
// on.
func TestMQTTOnOneNodeReachesNATSOnAnotherAndSurvivesANodeStopping(t *testing.T) {
	c := Cluster(t, 3)
	nc, err := nats.Connect(c.Node(2).NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("kakou.v1.*.*.entry")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	publish := func(node int, payload string) {
		t.Helper()
		// Right after a node stops, another closes new MQTT connections
		// (EOF) until the streams that hold MQTT sessions have a leader
		// again; a device's reconnect loop rides that out, and so does this.
		var pc paho.Client
		for deadline := time.Now().Add(ready); ; time.Sleep(100 * time.Millisecond) {
			pc = paho.NewClient(paho.NewClientOptions().AddBroker(c.Node(node).MQTTURL).SetClientID("natstest-pub"))
			tok := pc.Connect()
			if tok.WaitTimeout(ready) && tok.Error() == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("MQTT connect to %s: %v", c.Node(node).Name, tok.Error())
			}
		}
		defer pc.Disconnect(100)
		if tok := pc.Publish("kakou/v1/s1/u1/entry", 1, false, payload); !tok.WaitTimeout(ready) || tok.Error() != nil {
			t.Fatalf("MQTT publish on %s: %v", c.Node(node).Name, tok.Error())
		}
	}
	expect := func(want string) {
		t.Helper()
		m, err := sub.NextMsg(ready)
		if err != nil {
			t.Fatalf("waiting for %q: %v", want, err)
		}
		if m.Subject != "kakou.v1.s1.u1.entry" || string(m.Data) != want {
			t.Fatalf("got %s %q, want kakou.v1.s1.u1.entry %q", m.Subject, m.Data, want)
		}
	}
	publish(0, "first")
	expect("first")
	c.Stop(0)
	publish(1, "second")
	expect("second")
}
