package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// systemd tells systemd how the collector is (cloud/README.md "Under
// systemd"): READY=1 once the broker, the store and HTTP are up, a status
// line, STOPPING=1, and WATCHDOG=1 at half of WATCHDOG_USEC while /healthz
// answers (HTTP serves and the store reads). The unit's richer
// firmware/sdnotify is out of the collector's reach (docs/architecture.md
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
			s.log.Error("withholding the watchdog ping so systemd restarts the collector", "err", err)
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

// healthy asks the collector's own /healthz, which reads the store. The
// certificate is not checked: this is our own listener on loopback, and
// the question is whether it answers, not who it is.
func healthy(base string) error {
	c := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // our own listener
	resp, err := c.Get(base + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz answered %s", resp.Status)
	}
	return nil
}
