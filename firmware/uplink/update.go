package uplink

import (
	"context"

	"github.com/kakou/kakou/firmware/wire"
)

// The centre pushes a program update retained on wire.UpdateTopic. As
// with rosters the uplink only receives it: it decodes each push, drops
// one meant for another unit and hands the rest to Options.OnUpdate on a
// goroutine of its own (the unit's updater verifies the signature,
// downloads and installs; that takes minutes and must not hold up paho).

// updatePush asks for this unit's update on this connection.
func (u *Uplink) updatePush() (pushSub, bool) {
	if u.opts.OnUpdate == nil {
		return pushSub{}, false
	}
	return listenAddressed(u, addressedPush[wire.UpdatePush]{what: "update push",
		topic: wire.UpdateTopic(u.opts.Status.Site, u.opts.Status.Unit), qos: wire.QoSUpdate,
		decode: wire.DecodeUpdatePush, to: func(p wire.UpdatePush) (string, string) { return p.Site, p.Unit },
		box: &u.update, keeps: "the unit keeps the version it runs",
		refused: "this unit will not receive program updates"})
}

// startUpdate hands received pushes to OnUpdate until ctx ends; the
// returned wait blocks until it has stopped.
func (u *Uplink) startUpdate(ctx context.Context) (wait func()) {
	return u.update.run(ctx, u.opts.OnUpdate)
}

// SetUpdate announces the last update's outcome in the status, as
// SetDevices does; nil takes it out.
func (u *Uplink) SetUpdate(r *wire.UpdateReport) {
	u.mu.Lock()
	u.updateReport = r
	u.statusDirty = true
	u.mu.Unlock()
	u.Notify()
}
