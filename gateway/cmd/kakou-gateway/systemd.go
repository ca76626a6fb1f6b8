package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// systemd tells systemd how the gateway is (gateway/README.md "Under
// systemd"): READY=1 once the LAN broker and the bridge are up, a status
// line, STOPPING=1, and WATCHDOG=1 at half of WATCHDOG_USEC while the LAN
// broker and the web API accept connections. The unit's richer
// firmware/sdnotify is out of the gateway's reach (docs/architecture.md
// "Folders and what each may import"); go-systemd speaks the protocol, so
// this is only the loop.
type systemd struct {
	log  *slog.Logger
	ping time.Duration // half of WATCHDOG_USEC when it is ours, else 0
}

func newSystemd(log *slog.Logger) systemd {
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("systemd watchdog settings ignored; fix WATCHDOG_USEC/WATCHDOG_PID", "err", err)
	}
	return systemd{log: log, ping: d / 2}
}

func (s systemd) notify(state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		s.log.Warn("systemd notification not sent; is NOTIFY_SOCKET right?", "err", err)
	}
}

// watch pings while check passes, until ctx ends; a failing check is
// logged and withholds the ping, so systemd restarts us. status is the
// line to put back once a check passes again.
func (s systemd) watch(ctx context.Context, status string, check func() error) {
	if s.ping <= 0 || os.Getenv("NOTIFY_SOCKET") == "" {
		return
	}
	t := time.NewTicker(s.ping)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := check(); err != nil {
			s.log.Error("withholding the watchdog ping so systemd restarts the gateway", "err", err)
			s.notify("STATUS=not serving: " + err.Error())
			failing = true
			continue
		}
		if failing {
			s.notify("STATUS=" + status)
			failing = false
		}
		s.notify(daemon.SdNotifyWatchdog)
	}
}

// accepting checks that each address takes a TCP connection: the
// listeners' goroutines are alive. An address may be a URL (tcp://h:p).
func accepting(addrs ...string) error {
	var errs []error
	for _, a := range addrs {
		if u, err := url.Parse(a); err == nil && u.Host != "" {
			a = u.Host
		}
		c, err := net.DialTimeout("tcp", a, 2*time.Second)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.Close()
	}
	return errors.Join(errs...)
}
