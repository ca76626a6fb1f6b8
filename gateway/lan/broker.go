package lan

import (
	"bytes"
	"math"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// allowAll lets every unit on the LAN connect and use every topic: a LAN
// without mutual TLS (the demo) trusts what can reach it. With a client CA
// the broker checks unit certificates instead (acl.go). Written here rather
// than taken from mochi's hooks/auth, which pulls in a YAML parser only its
// ledger needs.
type allowAll struct{ mqtt.HookBase }

func (*allowAll) ID() string { return "kakou-gateway-allow-all" }

func (*allowAll) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnectAuthenticate, mqtt.OnACLCheck}, []byte{b})
}

func (*allowAll) OnConnectAuthenticate(*mqtt.Client, packets.Packet) bool { return true }

func (*allowAll) OnACLCheck(*mqtt.Client, string, bool) bool { return true }

// capabilities are mochi's defaults with two changed:
//   - no forced expiry: mochi would delete a retained ack, flow or policy a
//     day after it was published, and a unit reconnecting after a quiet
//     weekend would not learn where it stands;
//   - the most messages in flight MQTT allows, so a burst of flows to a
//     slow unit is not dropped after the broker accepted it.
//
// The inline client lets the gateway subscribe and publish in-process,
// with no TCP round trip between a unit's entry and the gateway's answer.
func options() *mqtt.Options {
	c := mqtt.NewDefaultServerCapabilities()
	c.MaximumMessageExpiryInterval = 0
	c.MaximumInflight = math.MaxUint16
	return &mqtt.Options{Capabilities: c, InlineClient: true}
}

// CloseBroker is s.Close without mochi v2.7.9's shutdown deadlock. Close
// lists each listener's clients in Clients.GetByListener, which takes the
// clients' read lock twice (it calls Len inside); a unit that ends its
// session just then queues for the write lock between the two, and the
// three wait on each other for ever. Closing each listener first, with a
// closer that lists the clients under one read lock, leaves Close only the
// waiting for their goroutines. The gateway's tests close their stand-in
// cloud brokers with it too. The same workaround is in cloud/broker and
// firmware/internal/brokertest (see there why the layout keeps it apart).
func CloseBroker(s *mqtt.Server) error {
	s.Listeners.CloseAll(func(listener string) {
		for _, cl := range s.Clients.GetAll() {
			if cl.Net.Listener == listener && !cl.Closed() {
				_ = s.DisconnectClient(cl, packets.ErrServerShuttingDown)
			}
		}
	})
	return s.Close()
}
