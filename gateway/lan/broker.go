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
