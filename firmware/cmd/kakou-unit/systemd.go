package main

import (
	"context"
	"time"

	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/sdnotify"
)

// served is what systemd hears about: a *unit.Unit.
type served interface {
	Started() <-chan struct{}
	Beats() uint64
	StatusLine(ctx context.Context) string
}

// beatFor makes the idle screening loop beat at least four times per
// watchdog ping, so one slow turn never costs a ping.
func beatFor(sd *sdnotify.Notifier) time.Duration {
	if p := sd.PingEvery(); p > 0 {
		return min(screening.DefaultBeatEvery, p/4)
	}
	return 0
}

// tellSystemd says READY=1 once the unit serves, then keeps the status
// line fresh and pings the watchdog only while the screening loop moves
// (firmware/README.md "Under systemd").
func tellSystemd(ctx context.Context, sd *sdnotify.Notifier, u served) {
	select {
	case <-u.Started():
	case <-ctx.Done():
		return
	}
	sd.Ready(u.StatusLine(ctx))
	moved := sdnotify.Progress(u.Beats)
	sd.Watch(ctx, func(ctx context.Context) (bool, string) {
		if !moved() {
			return false, "screening loop stuck: no progress since the last check; systemd restarts the unit when WatchdogSec passes"
		}
		return true, u.StatusLine(ctx)
	})
}
