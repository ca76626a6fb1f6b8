package bridge

import (
	"context"
	"sync/atomic"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre updates the gateway's own program with a push on the
// gateway's update topic, which the filter relaying the units' pushes
// (unitpush.go) also matches. That one is not relayed down: no unit on
// the LAN is its addressee, and a retained copy on the LAN broker would
// only sit there naming a binary. It goes to Options.OnUpdate instead,
// which installs it (gateway/gateway/update.go); the updater verifies the
// signature, the version and the binary. The outcome comes back through
// SetUpdate and rides in the gateway's own status (wire.Status.Update),
// published as soon as it changes.

// selfUpdate is the gateway's last update report, and whether the cloud
// has not heard it yet.
type selfUpdate struct {
	report atomic.Pointer[wire.UpdateReport]
	dirty  atomic.Bool
}

// ownUpdate hands m to OnUpdate when it is on the gateway's own update
// topic, and reports whether it was. An empty payload (the centre
// clearing the retained push) and a push whose body names another
// addressee than its topic are dropped with a warning.
func (b *Bridge) ownUpdate(m mqtt.Message) bool {
	if m.Topic() != wire.UpdateTopic(b.opts.Site, b.opts.Gateway) {
		return false
	}
	if len(m.Payload()) == 0 {
		return true
	}
	p, err := wire.DecodeUpdatePush(m.Payload())
	if err == nil && wire.UpdateTopic(p.Site, p.Unit) != m.Topic() {
		err = errTopicMismatch
	}
	switch {
	case err != nil:
		b.log.Warn("bridge: ignored a bad update push for the gateway", "topic", m.Topic(), "err", err)
	case b.opts.OnUpdate == nil:
		b.log.Warn("bridge: an update for the gateway was pushed, but updates are off here ([update] root)", "version", p.Version)
	default:
		b.opts.OnUpdate(p)
	}
	return true
}

// SetUpdate sets the update report the gateway's status carries (nil:
// none); a changed report goes up at once. Safe from any goroutine.
func (b *Bridge) SetUpdate(r *wire.UpdateReport) {
	old := b.upd.report.Swap(r)
	if old == nil && r == nil || old != nil && r != nil && *old == *r {
		return
	}
	b.upd.dirty.Store(true)
	b.notify()
}

// updateChanged publishes the gateway's status when its update report
// changed since the last status went up.
func (b *Bridge) updateChanged(ctx context.Context, c *delivery.Link) error {
	if !b.upd.dirty.Swap(false) {
		return nil
	}
	if err := b.publishStatus(ctx, c, wire.Online); err != nil {
		b.upd.dirty.Store(true)
		return err
	}
	return nil
}
