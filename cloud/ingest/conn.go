package ingest

import (
	"bufio"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// paho reads every packet straight from its connection, a few bytes at a
// time (packets.ReadPacket: the header byte, each length byte, then the
// rest), and writes every packet with a call of its own: three reads and
// a write, each a call into the kernel, for every entry the collector
// receives and acknowledges. On a plain TCP connection ingest opens the
// socket itself, reads it through a buffer and gathers its writes for up
// to flushDelay, so a burst of entries comes in with one read and the
// writer's 4,096 PUBACKs after a batch leave in a few writes. Every other
// kind of broker URL (TLS, which buffers whole records anyway, websockets,
// a proxy from ALL_PROXY) is left to paho's own dialing. The unit's uplink
// buffers its reads the same way (firmware/uplink/conn.go).

// flushDelay is the longest a packet waits in the write buffer: short
// beside the broker's and the units' timeouts (seconds), long beside the
// microseconds between the PUBACKs of one batch.
const flushDelay = 500 * time.Microsecond

// bufferedDial is paho's dialing for tcp:// and mqtt:// without a proxy,
// with the reads buffered and the writes gathered.
func bufferedDial(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
	d := o.Dialer
	if d == nil {
		d = &net.Dialer{Timeout: connectTimeout}
	}
	c, err := d.Dial("tcp", uri.Host)
	if err != nil {
		return nil, err
	}
	return newBufferedConn(c), nil
}

func newBufferedConn(c net.Conn) *bufferedConn {
	return &bufferedConn{Conn: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 64<<10), delay: flushDelay}
}

// bufferedConn is a net.Conn whose reads go through a buffer and whose
// writes are gathered and flushed flushDelay after the first. Only paho's
// reading goroutine reads it, one packet after another; writes come from
// paho's writer and are serialised with the flush by mu.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader

	mu      sync.Mutex
	w       *bufio.Writer
	delay   time.Duration // flushDelay; a test may hold writes longer
	pending bool          // a flush is scheduled
	err     error         // the first failed flush, returned by every later Write
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Write buffers p. An error of a flush that ran after an earlier Write
// returned shows here, at the next one; paho's reader sees the broken
// connection by then anyway.
func (c *bufferedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p) // flushes by itself when the buffer fills
	if err != nil {
		c.err = err
		return n, err
	}
	if !c.pending && c.w.Buffered() > 0 {
		c.pending = true
		time.AfterFunc(c.delay, c.flush)
	}
	return n, nil
}

func (c *bufferedConn) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = false
	if err := c.w.Flush(); err != nil && c.err == nil {
		c.err = err
	}
}

// Close sends what is buffered (a DISCONNECT, the last PUBACKs) first.
func (c *bufferedConn) Close() error {
	c.flush()
	return c.Conn.Close()
}

// buffersReads says whether ingest dials the broker itself: a plain TCP
// URL, with no proxy that paho would have honoured.
func buffersReads(broker string) bool {
	u, err := url.Parse(broker)
	if err != nil || (u.Scheme != "tcp" && u.Scheme != "mqtt") {
		return false
	}
	return os.Getenv("ALL_PROXY") == "" && os.Getenv("all_proxy") == ""
}
