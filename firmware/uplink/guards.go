package uplink

import (
	"context"

	"github.com/kakou/kakou/firmware/wire"
)

// The centre pushes the roster of guards who may sign in at the console,
// retained on wire.GuardsTopic. As with policies the uplink only receives
// it: it decodes each roster, drops one meant for another unit and hands
// the rest to Options.OnGuards, on a goroutine of its own (the unit
// verifies the signature and writes the roster to the card). Only the
// latest roster waiting is kept: a newer one says all an older one did.

// guardsPush asks for this unit's roster on this connection.
func (u *Uplink) guardsPush() (pushSub, bool) {
	if u.opts.OnGuards == nil {
		return pushSub{}, false
	}
	return listenAddressed(u, addressedPush[wire.GuardRoster]{what: "guard roster",
		topic: wire.GuardsTopic(u.opts.Status.Site, u.opts.Status.Unit), qos: wire.QoSGuards,
		decode: wire.DecodeGuardRoster, to: func(r wire.GuardRoster) (string, string) { return r.Site, r.Unit },
		box: &u.guards, keeps: "the console keeps the one it has",
		refused: "guards added or PINs reset at the centre will not reach this console"})
}

// startGuards hands received rosters to OnGuards, the latest first, until
// ctx ends; the returned wait blocks until it has stopped.
func (u *Uplink) startGuards(ctx context.Context) (wait func()) {
	return u.guards.run(ctx, u.opts.OnGuards)
}
