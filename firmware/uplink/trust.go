package uplink

import (
	"bytes"
	"context"
	"sync/atomic"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// The centre's trust list (pass issuers, health keys, revoked passes, DCC
// signers) is one retained message for the whole fleet on wire.TrustTopic.
// A full list is megabytes, so the uplink neither decodes nor verifies it
// on paho's goroutine: it checks the size, copies the payload and hands it
// to Options.OnTrust on a goroutine of its own; only the latest waits.

// trustUplink is the trust list's hand-over and the version the unit
// reports running.
type trustUplink struct {
	handoff[[]byte]
	version atomic.Uint64
}

// trustPush asks for the trust list on this connection. A broker that
// refuses it costs the list, not the connection: the unit keeps the one
// it saved.
func (u *Uplink) trustPush() (pushSub, bool) {
	return pushSub{what: "trust list", topic: wire.TrustTopic, qos: wire.QoSTrust, on: u.onTrust,
		refused: "passes the centre revokes will still open this gate"}, u.opts.OnTrust != nil
}

// onTrust runs on paho's goroutine. An empty payload is a cleared retained
// message: the unit keeps what it has, since no list is not "trust nobody".
func (u *Uplink) onTrust(_ mqtt.Client, m mqtt.Message) {
	if len(m.Payload()) == 0 {
		return
	}
	if len(m.Payload()) > wire.MaxTrustPayload {
		u.log.Warn("uplink: ignored an oversize trust list", "bytes", len(m.Payload()), "limit", wire.MaxTrustPayload)
		return
	}
	u.trust.put(bytes.Clone(m.Payload()))
}

// startTrust hands received lists to OnTrust until ctx ends; the returned
// wait blocks until it has stopped.
func (u *Uplink) startTrust(ctx context.Context) (wait func()) {
	return u.trust.run(ctx, u.opts.OnTrust)
}

// SetTrustVersion announces the trust list the unit now runs, on the next
// status.
func (u *Uplink) SetTrustVersion(v uint64) {
	if u.trust.version.Swap(v) == v {
		return
	}
	u.mu.Lock()
	u.statusDirty = true
	u.mu.Unlock()
	u.Notify()
}
