// Package sdnotify tells systemd how the unit is doing: READY=1 once it
// really serves, a STATUS= line a person reads in `systemctl status`,
// STOPPING=1 on shutdown, and WATCHDOG=1 at half of WATCHDOG_USEC but only
// while the screening loop shows progress, so a hung loop gets the unit
// restarted (Type=notify, WatchdogSec=; firmware/README.md "Under systemd").
//
// The datagrams go through github.com/coreos/go-systemd/v22/daemon, which
// reads NOTIFY_SOCKET (a path, or "@name" for an abstract socket) and
// honours WATCHDOG_PID. Without NOTIFY_SOCKET every call does nothing.
package sdnotify

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// StatusEvery is how often the status line is refreshed when systemd set
// no watchdog; with one, it is refreshed with every ping.
const StatusEvery = 10 * time.Second

// Notifier sends the unit's state to systemd. Its methods may be called
// whether or not the program runs under systemd.
type Notifier struct {
	log         *slog.Logger
	watchdog    time.Duration // WATCHDOG_USEC when it is meant for this process, else 0
	statusEvery time.Duration // StatusEvery; shorter in tests
}

// New reads the environment systemd set. A WATCHDOG_PID naming another
// process (a child that inherited the environment) means no watchdog here.
func New(log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{log: log, statusEvery: StatusEvery}
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("systemd watchdog settings ignored; fix WATCHDOG_USEC/WATCHDOG_PID in the service's environment", "err", err)
	}
	n.watchdog = d
	return n
}

// Enabled says whether systemd is listening (NOTIFY_SOCKET is set).
func (n *Notifier) Enabled() bool { return os.Getenv("NOTIFY_SOCKET") != "" }

// PingEvery is half of the watchdog interval systemd set, as sd_watchdog_enabled(3)
// advises, or 0 when there is no watchdog for this process.
func (n *Notifier) PingEvery() time.Duration { return n.watchdog / 2 }

// Ready tells systemd the program serves, with its first status line.
func (n *Notifier) Ready(status string) { n.send(daemon.SdNotifyReady + "\nSTATUS=" + status) }

// Status replaces the line `systemctl status` shows.
func (n *Notifier) Status(status string) { n.send("STATUS=" + status) }

// Stopping tells systemd the shutdown has begun, so a slow one is not
// taken for a hang.
func (n *Notifier) Stopping() { n.send(daemon.SdNotifyStopping + "\nSTATUS=stopping") }

func (n *Notifier) send(state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		n.log.Warn("systemd notification not sent; is NOTIFY_SOCKET right?", "err", err)
	}
}

// Check says whether the program's main loop is alive and what its status
// line is now.
type Check func(ctx context.Context) (alive bool, status string)

// Watch refreshes the status line and pings the watchdog until ctx ends,
// every PingEvery (every StatusEvery without a watchdog). A check that
// finds the loop dead withholds the ping: systemd then restarts the
// program once WatchdogSec passes with none.
func (n *Notifier) Watch(ctx context.Context, check Check) {
	if !n.Enabled() {
		return
	}
	every := n.PingEvery()
	if every <= 0 {
		every = n.statusEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	last, wasAlive := "", true
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		alive, status := check(ctx)
		if status != last {
			n.Status(status)
			last = status
		}
		if alive != wasAlive && !alive {
			n.log.Error("main loop made no progress; withholding the watchdog ping so systemd restarts the program")
		}
		wasAlive = alive
		if alive && n.watchdog > 0 {
			n.send(daemon.SdNotifyWatchdog)
		}
	}
}

// Progress turns a counter a loop bumps into a liveness test: each call
// says whether the counter moved since the previous call (or since
// Progress was called, for the first).
func Progress(count func() uint64) func() bool {
	last := count()
	return func() bool {
		now := count()
		moved := now != last
		last = now
		return moved
	}
}

// Serving is the Check of a program whose liveness is a probe of what it
// serves (the gateway's listeners, the collector's /healthz): alive with
// status while probe passes, and "not serving: …" while it fails.
func Serving(status string, probe func() error) Check {
	return func(context.Context) (bool, string) {
		if err := probe(); err != nil {
			return false, "not serving: " + err.Error()
		}
		return true, status
	}
}
