package lan

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kakou/kakou/firmware/wire"
)

// With mutual TLS on the LAN (a client CA in the listener's TLS config)
// every unit arrives with a certificate from the site CA whose common name
// is its unit id (kakou-cloud pki issue -name <unit>). unitCerts makes that
// name the unit's identity on the broker: it may publish only its own
// entry and status, and read only its own ack, policy, flow, guards and results, as the
// cloud's broker allows an enrolled unit. Without it any certified device
// on the LAN could log entries for another lane, forge the gateway's flows
// or a policy push, or mark another unit offline with its will. The
// gateway's own inline client is not a unit and is not checked.
type unitCerts struct {
	mqtt.HookBase
	site string
	log  *slog.Logger
	ids  sync.Map // *mqtt.Client → unit id from its certificate
}

func (*unitCerts) ID() string { return "kakou-gateway-unit-certs" }

func (*unitCerts) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnDisconnect}, []byte{b})
}

// OnConnectAuthenticate takes the unit id from the client certificate the
// TLS handshake verified, and refuses a will on anything but the unit's
// own status: mochi publishes wills without an ACL check.
func (h *unitCerts) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	if cl.Net.Inline {
		return true
	}
	unit := peerName(cl)
	if wire.ValidateID(unit) != nil {
		h.log.Warn("lan: refused a client whose certificate names no unit", "client", cl.ID, "name", unit)
		return false
	}
	if pk.Connect.WillFlag && pk.Connect.WillTopic != wire.StatusTopic(h.site, unit) {
		h.log.Warn("lan: refused a will on another topic", "unit", unit, "topic", pk.Connect.WillTopic)
		return false
	}
	h.ids.Store(cl, unit)
	return true
}

// OnACLCheck lets a unit write its own entry and status and read its own
// ack, policy, flow, guards and results; nothing else, and no wildcards: wire.Grant, as the
// cloud's broker allows an enrolled unit.
func (h *unitCerts) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if cl.Net.Inline {
		return true
	}
	id, ok := h.ids.Load(cl)
	if !ok {
		return false
	}
	if (wire.Grant{Site: h.site, Unit: id.(string)}).Allows(topic, write) {
		return true
	}
	h.log.Warn("lan: refused a unit's use of a topic not its own", "unit", id, "topic", topic, "write", write)
	return false
}

func (h *unitCerts) OnDisconnect(cl *mqtt.Client, _ error, _ bool) { h.ids.Delete(cl) }

// peerName is the common name of the client's verified certificate, or ""
// on a connection without one.
func peerName(cl *mqtt.Client) string {
	c, ok := cl.Net.Conn.(*tls.Conn)
	if !ok {
		return ""
	}
	st := c.ConnectionState()
	if len(st.VerifiedChains) == 0 || len(st.PeerCertificates) == 0 {
		return ""
	}
	return st.PeerCertificates[0].Subject.CommonName
}

// authHook is the broker's auth: unit certificates with mutual TLS, and
// anyone otherwise (plain TCP, as in the demo, or TLS without client CA).
func authHook(o Options, log *slog.Logger) mqtt.Hook {
	if o.TLS != nil && o.TLS.ClientAuth == tls.RequireAndVerifyClientCert {
		return &unitCerts{site: o.Site, log: log}
	}
	return new(allowAll)
}
