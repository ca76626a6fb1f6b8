package broker

import (
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// A unit's or a gateway's credential may read the centre's trust list and
// never publish one: a device that tries is cut off, and the list every
// unit receives stays the centre's. The list crosses the broker at the
// size of the EU's DCC trust list and more.
func TestDeviceAuthLetsDevicesReadTheTrustListAndNoneWriteIt(t *testing.T) {
	b, pws := devicesBroker(t)
	svc := connect(t, clientOpts(b, "kakou-cloud", service.Username, service.Password))
	list := strings.Repeat("x", 5<<20)
	if tok := svc.Publish(wire.TrustTopic, 1, true, list); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("the centre's 5 MiB list: %v", tok.Error())
	}
	for _, dev := range []string{"u1", "gw1"} {
		c := connect(t, clientOpts(b, "kakou-"+dev, dev, pws[dev]))
		got := make(chan paho.Message, 4)
		if code := subscribeResult(t, c, wire.TrustTopic, got); code != 1 {
			t.Fatalf("%s subscribe to the trust list: SUBACK %#x, want QoS 1", dev, code)
		}
		if m := receive(t, got); len(m.Payload()) != len(list) {
			t.Fatalf("%s got %d bytes of the retained list, want %d", dev, len(m.Payload()), len(list))
		}
		if err := publish(c, wire.TrustTopic, `{"schema":1,"version":99}`); err == nil || c.IsConnectionOpen() {
			t.Fatalf("%s published a trust list (err %v)", dev, err)
		}
	}
	late := connect(t, clientOpts(b, "kakou-u2", "u2", pws["u2"]))
	got := make(chan paho.Message, 4)
	subscribeResult(t, late, wire.TrustTopic, got)
	if m := receive(t, got); len(m.Payload()) != len(list) {
		t.Fatal("a device's publish replaced the centre's retained trust list")
	}
}
