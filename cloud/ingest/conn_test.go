package ingest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// countingConn counts the writes that reach the socket and can be made to
// fail them, as a broken connection would.
type countingConn struct {
	net.Conn
	mu     sync.Mutex
	writes int
	fail   error
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return 0, c.fail
	}
	c.writes++
	return c.Conn.Write(p)
}

func (c *countingConn) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.writes }

// loopbackPair is a connected TCP pair on loopback: the client end is
// counted, the server end is what the broker would read.
func loopbackPair(t *testing.T) (*countingConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return &countingConn{Conn: c}, s
}

// readAll reads n bytes from s, or fails the test once wait has passed.
func readAll(t *testing.T, s net.Conn, n int) []byte {
	t.Helper()
	s.SetReadDeadline(time.Now().Add(wait))
	got := make([]byte, n)
	if _, err := io.ReadFull(s, got); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	return got
}

func TestBufferedConnSendsABurstOfPubacksInOneWrite(t *testing.T) {
	raw, broker := loopbackPair(t)
	c := newBufferedConn(raw)
	c.delay = time.Hour // the test flushes, so a slow run cannot split the burst
	const acks = 1000
	var want bytes.Buffer
	for i := range acks {
		ack := []byte{0x40, 0x02, byte(i >> 8), byte(i)} // PUBACK, packet id i
		want.Write(ack)
		if n, err := c.Write(ack); n != len(ack) || err != nil {
			t.Fatalf("write %d: %d, %v", i, n, err)
		}
	}
	if n := raw.count(); n != 0 {
		t.Fatalf("%d of %d PUBACKs went to the socket one by one before the flush", n, acks)
	}
	c.flush()
	if got := readAll(t, broker, want.Len()); !bytes.Equal(got, want.Bytes()) {
		t.Fatal("the broker read other bytes than were written, or in another order")
	}
	if n := raw.count(); n != 1 {
		t.Fatalf("%d PUBACKs took %d writes to the socket, want 1", acks, n)
	}
}

func TestBufferedConnFlushesALoneWriteByItself(t *testing.T) {
	raw, broker := loopbackPair(t)
	c := newBufferedConn(raw)
	ping := []byte{0xc0, 0x00} // PINGREQ, which nothing follows
	if _, err := c.Write(ping); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, broker, len(ping)); !bytes.Equal(got, ping) {
		t.Fatalf("the broker read %x, want the PINGREQ %x", got, ping)
	}
}

func TestBufferedConnSendsWhatIsBufferedBeforeClosing(t *testing.T) {
	raw, broker := loopbackPair(t)
	c := newBufferedConn(raw)
	disconnect := []byte{0xe0, 0x00}
	if _, err := c.Write(disconnect); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, broker, len(disconnect)); !bytes.Equal(got, disconnect) {
		t.Fatalf("the broker read %x before the close, want the DISCONNECT %x", got, disconnect)
	}
}

func TestBufferedConnReportsAFailedFlushOnTheNextWrite(t *testing.T) {
	raw, _ := loopbackPair(t)
	c := newBufferedConn(raw)
	if _, err := c.Write([]byte{0x40, 0x02, 0, 1}); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("connection reset by peer")
	raw.mu.Lock()
	raw.fail = broken
	raw.mu.Unlock()
	c.flush() // what the timer would run
	if _, err := c.Write([]byte{0x40, 0x02, 0, 2}); !errors.Is(err, broken) {
		t.Fatalf("write after a failed flush: %v, want %v", err, broken)
	}
}
