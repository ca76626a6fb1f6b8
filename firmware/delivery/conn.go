package delivery

import (
	"bufio"
	"net"
	"net/url"
	"os"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// paho reads every packet straight from its connection, a byte or two at
// a time (packets.ReadPacket: the header byte, each length byte, then the
// rest), so every PUBACK of a drain costs three read calls into the
// kernel. On a plain TCP connection Dial opens the socket itself and
// reads it through a buffer, so a burst of PUBACKs comes in with one read.
// Every other kind of broker URL (TLS, which buffers whole records anyway,
// websockets, a proxy from ALL_PROXY) is left to paho's own dialing.

// bufferedDial is paho's dialing for tcp:// and mqtt:// without a proxy
// (openConnection in paho's netconn.go), with the reads buffered.
func bufferedDial(uri *url.URL, o mqtt.ClientOptions) (net.Conn, error) {
	d := o.Dialer
	if d == nil {
		d = &net.Dialer{Timeout: o.ConnectTimeout}
	}
	c, err := d.Dial("tcp", uri.Host)
	if err != nil {
		return nil, err
	}
	return &bufferedConn{Conn: c, r: bufio.NewReader(c)}, nil
}

// bufferedConn is a net.Conn whose reads go through a buffer. Only paho's
// reading goroutine reads it, one packet after another.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// buffersReads says whether Dial dials the broker itself (bufferedDial):
// a plain TCP URL, with no proxy that paho would have honoured.
func buffersReads(broker string) bool {
	u, err := url.Parse(broker)
	if err != nil || (u.Scheme != "tcp" && u.Scheme != "mqtt") {
		return false
	}
	return os.Getenv("ALL_PROXY") == "" && os.Getenv("all_proxy") == ""
}
