package ingest

import (
	"bufio"
	"net"
	"net/url"
	"os"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// paho reads every packet straight from its connection, a few bytes at a
// time (packets.ReadPacket: the header byte, each length byte, then the
// rest): three read calls into the kernel for every entry the collector
// receives. On a plain TCP connection ingest opens the socket itself and
// reads it through a buffer, so a burst of entries comes in with one read.
// Every other kind of broker URL (TLS, which buffers whole records anyway,
// websockets, a proxy from ALL_PROXY) is left to paho's own dialing. The
// unit's uplink does the same for its acks (firmware/uplink/conn.go).

// bufferedDial is paho's dialing for tcp:// and mqtt:// without a proxy,
// with the reads buffered.
func bufferedDial(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
	d := o.Dialer
	if d == nil {
		d = &net.Dialer{Timeout: connectTimeout}
	}
	c, err := d.Dial("tcp", uri.Host)
	if err != nil {
		return nil, err
	}
	return &bufferedConn{Conn: c, r: bufio.NewReaderSize(c, 64<<10)}, nil
}

// bufferedConn is a net.Conn whose reads go through a buffer. Only paho's
// reading goroutine reads it, one packet after another.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// buffersReads says whether ingest dials the broker itself: a plain TCP
// URL, with no proxy that paho would have honoured.
func buffersReads(broker string) bool {
	u, err := url.Parse(broker)
	if err != nil || (u.Scheme != "tcp" && u.Scheme != "mqtt") {
		return false
	}
	return os.Getenv("ALL_PROXY") == "" && os.Getenv("all_proxy") == ""
}
