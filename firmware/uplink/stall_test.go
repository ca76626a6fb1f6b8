package uplink

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
)

// stallProxy forwards TCP to a broker until freeze, after which the
// connections it holds stop forwarding without closing: a cable pulled
// somewhere between the unit and the broker, a NAT that forgot the flow.
// Connections made after freeze forward again.
type stallProxy struct {
	ln       net.Listener
	target   string
	accepted atomic.Int32
	done     chan struct{}

	mu     sync.Mutex
	frozen chan struct{} // closed by freeze; replaced for later connections
	conns  []net.Conn
}

func startStallProxy(t *testing.T, brokerURL string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, target: strings.TrimPrefix(brokerURL, "tcp://"),
		done: make(chan struct{}), frozen: make(chan struct{})}
	go p.accept()
	t.Cleanup(func() {
		close(p.done)
		ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
	return p
}

func (p *stallProxy) url() string { return "tcp://" + p.ln.Addr().String() }

func (p *stallProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.accepted.Add(1)
		p.mu.Lock()
		p.conns = append(p.conns, c, b)
		frozen := p.frozen
		p.mu.Unlock()
		go p.pipe(b, c, frozen)
		go p.pipe(c, b, frozen)
	}
}

// pipe copies src to dst until frozen, then holds whatever it read and
// waits, the connection still open, until the test ends.
func (p *stallProxy) pipe(dst, src net.Conn, frozen <-chan struct{}) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		select {
		case <-frozen:
			<-p.done
			return
		default:
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// freeze silences every connection made so far.
func (p *stallProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.frozen)
	p.frozen = make(chan struct{})
}

// A connection that dies silently leaves paho's Publish and its PUBACKs
// waiting: with no keep-alive and no write timeout a unit would sit on the
// dead connection for the PUBACK timeout (30 s) or, once the socket stops
// draining, for good. With them the unit gives the connection up within
// about KeepAlive + PingTimeout, reconnects and sends what the dead
// connection swallowed.
func TestUplinkNoticesASilentlyDroppedConnectionAndReconnects(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	coll := startCollector(t, b.url)
	p := startStallProxy(t, b.url)
	l := newLedger(t)
	l.addN(t, 5)
	u := newUplink(t, l, p.url())
	u.t.conn = delivery.Timing{KeepAlive: time.Second, PingTimeout: time.Second, Write: time.Second}
	runUplink(t, u)
	coll.awaitContig(5)

	p.freeze()
	cut := time.Now()
	for range 5 {
		if _, err := l.add(); err != nil {
			t.Fatal(err)
		}
		u.Notify()
	}
	// The PUBACK timeout stays at 30 s: only the keep-alive can notice in
	// time. The bound is ten times what the timeouts allow, and a third of
	// the PUBACK timeout the unit waited for without them.
	const bound = 10 * time.Second
	for coll.contiguous() < 10 {
		if time.Since(cut) > bound {
			t.Fatalf("entries 6-10 not delivered %v after the connection went silent (proxy connections: %d)",
				bound, p.accepted.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := p.accepted.Load(); n < 2 {
		t.Fatalf("%d connections through the proxy, want a reconnection", n)
	}
}

// contiguous is the seq up to which every entry has arrived.
func (c *collector) contiguous() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.contig
}
