package uplink

import (
	"context"

	"github.com/kakou/kakou/firmware/wire"
)

// The centre pushes the nucleic-acid results for the people this unit's
// site holds for sampling, retained on wire.ResultsTopic. As with the
// guard roster the uplink only receives them: it decodes each push, drops
// one meant for another unit and hands the rest to Options.OnResults, on
// a goroutine of its own (the unit verifies the signature and releases
// the people held). Only the latest push waiting is kept: a newer one
// lists every result an older one did that still matters.

// resultsPush asks for this unit's results on this connection.
func (u *Uplink) resultsPush() (pushSub, bool) {
	if u.opts.OnResults == nil {
		return pushSub{}, false
	}
	return listenAddressed(u, addressedPush[wire.ResultPush]{what: "results push",
		topic: wire.ResultsTopic(u.opts.Status.Site, u.opts.Status.Unit), qos: wire.QoSResults,
		decode: wire.DecodeResultPush, to: func(r wire.ResultPush) (string, string) { return r.Site, r.Unit },
		box: &u.results, keeps: "nobody is released by it",
		refused: "people held for sampling are released only by a same-day sampling record at the gate"})
}

// startResults hands received pushes to OnResults, the latest first, until
// ctx ends; the returned wait blocks until it has stopped.
func (u *Uplink) startResults(ctx context.Context) (wait func()) {
	return u.results.run(ctx, u.opts.OnResults)
}
