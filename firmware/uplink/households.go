package uplink

import (
	"context"

	"github.com/kakou/kakou/firmware/wire"
)

// A site gateway tells each lane, retained on wire.HouseholdsTopic, the
// uses every household made across the site (一户一卡; the counting rule is
// the doc comment of wire.Households). The uplink decodes each message,
// drops one meant for another unit and hands the rest to
// Options.OnHouseholds through a handoff (handoff.go), so paho's router
// never waits for the lane's lock; only the latest waiting is kept, since
// a newer message lists every use an older one did. A unit connected straight to the cloud never hears one and
// counts from its own ledger.

// householdsPush asks for this unit's households on this connection;
// a broker that refuses (no gateway) is noted and costs nothing.
func (u *Uplink) householdsPush() (pushSub, bool) {
	if u.opts.OnHouseholds == nil {
		return pushSub{}, false
	}
	return listenAddressed(u, addressedPush[wire.Households]{what: "households message",
		topic: wire.HouseholdsTopic(u.opts.Status.Site, u.opts.Status.Unit), qos: wire.QoSFlow,
		decode: wire.DecodeHouseholds, to: func(h wire.Households) (string, string) { return h.Site, h.Unit },
		box: &u.households, keeps: "the lane keeps the count it holds", expected: true,
		refused: "fine without a site gateway, otherwise check its ACL: this lane counts household passes from its own ledger"})
}

// startHouseholds hands received messages to OnHouseholds until ctx ends;
// the returned wait blocks until it has stopped.
func (u *Uplink) startHouseholds(ctx context.Context) (wait func()) {
	return u.households.run(ctx, u.opts.OnHouseholds)
}
