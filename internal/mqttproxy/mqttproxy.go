// Package mqttproxy is a test helper: a loopback TCP proxy between an MQTT
// client and a broker that reads the packets it forwards, so a test can
// hold back the broker's PUBACKs or a chosen subscription's SUBACK and let
// them through later, or turn a SUBACK into a refusal (0x80), as a broker
// whose ACL says no would. It stands in for a NATS node electing a stream
// leader (PUBACKs late by seconds) or a recovering node slow to create a
// subscription's consumer. Only tests import it.
package mqttproxy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// MQTT control packet types, the high nibble of a fixed header.
const (
	pktSubscribe = 8
	pktSuback    = 9
	pktPuback    = 4
)

// Proxy forwards TCP between a client and a broker packet by packet.
type Proxy struct {
	ln     net.Listener
	target string
	// Accepted counts the connections made through the proxy, Pubacks the
	// PUBACKs held back so far.
	Accepted atomic.Int32
	Pubacks  atomic.Int32

	mu          sync.Mutex
	holdPubacks bool
	holdSubs    map[string]bool // filter → hold its SUBACKs
	refuse      map[string]int  // filter → SUBACKs still to refuse
	refused     map[string]int  // filter → SUBACKs refused so far
	subscribes  map[string]int  // filter → SUBSCRIBEs seen
	qos         map[string]byte // filter → the QoS its last SUBSCRIBE asked for
	held        []heldPacket
	conns       []net.Conn
	frozen      chan struct{} // closed by Freeze; replaced for later connections
	done        chan struct{} // closed when the test ends
}

type heldPacket struct {
	to  *proxyConn
	pkt []byte
}

// proxyConn is the client side of one connection, with the filters of its
// SUBSCRIBEs by packet id.
type proxyConn struct {
	c      net.Conn
	mu     sync.Mutex
	subs   map[uint16]string
	frozen <-chan struct{} // Freeze's channel when the connection was made
}

// stalled says, after a packet was read, whether the connection has been
// frozen; if so it holds the packet and waits, the connection still open,
// until the test ends.
func (p *Proxy) stalled(c *proxyConn) bool {
	select {
	case <-c.frozen:
		<-p.done
		return true
	default:
		return false
	}
}

// Freeze silences every connection made so far without closing it: a
// cable pulled somewhere between client and broker, a NAT that forgot the
// flow. Connections made later forward again.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.frozen)
	p.frozen = make(chan struct{})
}

// Start proxies to brokerURL (tcp://) on a fresh loopback port until
// the test ends.
func Start(t testing.TB, brokerURL string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: strings.TrimPrefix(brokerURL, "tcp://"),
		holdSubs: map[string]bool{}, refuse: map[string]int{}, refused: map[string]int{}, subscribes: map[string]int{}, qos: map[string]byte{},
		frozen: make(chan struct{}), done: make(chan struct{})}
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

func (p *Proxy) URL() string { return "tcp://" + p.ln.Addr().String() }

func (p *Proxy) accept() {
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
		p.Accepted.Add(1)
		p.mu.Lock()
		p.conns = append(p.conns, c, b)
		frozen := p.frozen
		p.mu.Unlock()
		pc := &proxyConn{c: c, subs: map[uint16]string{}, frozen: frozen}
		go p.up(pc, b)
		go p.down(b, pc)
	}
}

// readPacket reads one MQTT control packet: the fixed header's first
// byte, the remaining length (a varint of up to four bytes) and the rest.
func readPacket(r *bufio.Reader) ([]byte, error) {
	first, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	pkt := []byte{first}
	n, shift := 0, 0
	for i := 0; ; i++ {
		b, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		pkt = append(pkt, b)
		n |= int(b&0x7f) << shift
		shift += 7
		if b&0x80 == 0 {
			break
		}
		if i == 3 {
			return nil, errors.New("remaining length longer than four bytes")
		}
	}
	// Copied as it arrives, so a length of 256 MB costs only what comes.
	buf := bytes.NewBuffer(pkt)
	if _, err := io.CopyN(buf, r, int64(n)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// body is what follows the fixed header.
func body(pkt []byte) []byte {
	i := 1
	for pkt[i]&0x80 != 0 {
		i++
	}
	return pkt[i+1:]
}

// up copies client → broker, noting each SUBSCRIBE's packet id and first
// filter (paho subscribes to one filter per packet).
func (p *Proxy) up(from *proxyConn, to net.Conn) {
	defer to.Close()
	r := bufio.NewReader(from.c)
	for {
		pkt, err := readPacket(r)
		if err != nil || p.stalled(from) {
			return
		}
		if b := body(pkt); pkt[0]>>4 == pktSubscribe && len(b) >= 4 &&
			len(b) >= 4+int(binary.BigEndian.Uint16(b[2:])) {
			id := binary.BigEndian.Uint16(b)
			n := int(binary.BigEndian.Uint16(b[2:]))
			from.mu.Lock()
			from.subs[id] = string(b[4 : 4+n])
			from.mu.Unlock()
			p.mu.Lock()
			p.subscribes[string(b[4:4+n])]++
			if len(b) > 4+n {
				p.qos[string(b[4:4+n])] = b[4+n] & 3
			}
			p.mu.Unlock()
		}
		if _, err := to.Write(pkt); err != nil {
			return
		}
	}
}

// down copies broker → client, holding or rewriting what the test asks.
func (p *Proxy) down(from net.Conn, to *proxyConn) {
	defer to.c.Close()
	r := bufio.NewReader(from)
	for {
		pkt, err := readPacket(r)
		if err != nil || p.stalled(to) {
			return
		}
		p.mu.Lock()
		hold := false
		switch pkt[0] >> 4 {
		case pktPuback:
			hold = p.holdPubacks
			if hold {
				p.Pubacks.Add(1)
			}
		case pktSuback:
			b := body(pkt)
			if len(b) < 3 {
				break
			}
			to.mu.Lock()
			filter := to.subs[binary.BigEndian.Uint16(b)]
			to.mu.Unlock()
			hold = p.holdSubs[filter]
			if !hold && p.refuse[filter] > 0 {
				p.refuse[filter]--
				p.refused[filter]++
				b[2] = 0x80
			}
		}
		if hold {
			p.held = append(p.held, heldPacket{to, pkt})
		} else {
			_, err = to.write(pkt)
		}
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (c *proxyConn) write(pkt []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.c.Write(pkt)
}

// HoldPubacks starts or stops holding back the broker's PUBACKs;
// stopping lets the held ones through, in order.
func (p *Proxy) HoldPubacks(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holdPubacks = on
	if !on {
		p.releaseLocked(pktPuback)
	}
}

// HoldSuback holds back the SUBACKs of filter until ReleaseSuback, which
// lets the held ones through.
func (p *Proxy) HoldSuback(filter string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holdSubs[filter] = true
}

func (p *Proxy) ReleaseSuback(filter string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.holdSubs, filter)
	p.releaseLocked(pktSuback)
}

// RefuseSuback turns the next n SUBACKs of filter into refusals.
func (p *Proxy) RefuseSuback(filter string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse[filter] = n
}

// Refusals counts the SUBACKs of filter turned into refusals,
// Subscriptions the SUBSCRIBEs for it.
func (p *Proxy) Refusals(filter string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused[filter]
}

// RequestedQoS is the QoS the last SUBSCRIBE to filter asked for, and
// whether there was one.
func (p *Proxy) RequestedQoS(filter string) (byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q, ok := p.qos[filter]
	return q, ok
}

func (p *Proxy) Subscriptions(filter string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.subscribes[filter]
}

// releaseLocked writes the held packets of kind to their connections, in
// the order they were held; one whose connection has gone is dropped.
func (p *Proxy) releaseLocked(kind byte) {
	keep := p.held[:0]
	for _, h := range p.held {
		if h.pkt[0]>>4 != kind {
			keep = append(keep, h)
			continue
		}
		h.to.write(h.pkt)
	}
	p.held = keep
}
