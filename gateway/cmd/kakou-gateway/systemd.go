package main

import (
	"errors"
	"net"
	"net/url"
	"time"
)

// The gateway tells systemd how it is (gateway/README.md "Under systemd")
// through firmware/sdnotify: READY=1 once the LAN broker, the web API and
// the bridge are up, a status line, STOPPING=1, and WATCHDOG=1 only while
// the LAN broker and the web API accept connections.

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
