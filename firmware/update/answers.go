package update

import (
	"context"
	"net"
	"net/url"
	"time"
)

// Answers says whether a broker (a URL such as ssl://host:8883, or
// host:port) takes a TCP connection. A health check uses it to tell a
// link the program lost (the broker answers, so a rollback may mend it)
// from a network cut outside the program (it does not, and no version
// would connect).
func Answers(ctx context.Context, broker string) bool {
	addr := broker
	if u, err := url.Parse(broker); err == nil && u.Host != "" {
		addr = u.Host
		if u.Port() == "" {
			port := "1883"
			if u.Scheme == "ssl" || u.Scheme == "tls" || u.Scheme == "mqtts" {
				port = "8883"
			}
			addr = net.JoinHostPort(u.Hostname(), port)
		}
	}
	d := net.Dialer{Timeout: 3 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
