package embedbroker

import (
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

const wait = 10 * time.Second

// allow admits every client, as mochi's auth.AllowHook does (whose package
// would bring in a YAML parser for nothing).
type allow struct{ mqtt.HookBase }

func (allow) ID() string { return "allow" }
func (allow) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}
func (allow) OnConnectAuthenticate(*mqtt.Client, packets.Packet) bool { return true }
func (allow) OnACLCheck(*mqtt.Client, string, bool) bool              { return true }

func serve(t *testing.T) (*mqtt.Server, *Listener) {
	t.Helper()
	s := mqtt.New(&mqtt.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := s.AddHook(new(allow), nil); err != nil {
		t.Fatal(err)
	}
	ln := NewTCP("t", "127.0.0.1:0", nil)
	if err := s.AddListener(ln); err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(); err != nil {
		t.Fatal(err)
	}
	return s, ln
}

// A connection accepted as the broker closes is the case mochi's own
// listener gets wrong: its goroutine joins the server's WaitGroup while
// Close already waits on it (the race detector's report), and a client
// that never sends CONNECT then holds Close for ever. Silent clients
// dialling in a loop while the broker closes, round after round, give it
// every chance; Close must return and leave no connection open.
func TestCloseEndsEveryConnectionEvenOnesAcceptedWhileClosing(t *testing.T) {
	const rounds, dialers = 60, 8
	for r := range rounds {
		s, ln := serve(t)
		addr := ln.Address()
		var mu sync.Mutex
		var conns []net.Conn
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range dialers {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					c, err := net.DialTimeout("tcp", addr, time.Second)
					if err != nil {
						return
					}
					if c.LocalAddr().String() == c.RemoteAddr().String() {
						// Once the port is free, a dial can draw it as its own
						// source port and connect to itself (TCP simultaneous
						// open): no broker is in that connection.
						_ = c.Close()
						return
					}
					mu.Lock()
					conns = append(conns, c)
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(r%5) * time.Millisecond)
		closed := make(chan error, 1)
		go func() { closed <- Close(s) }()
		select {
		case err := <-closed:
			if err != nil {
				t.Fatalf("round %d: %v", r, err)
			}
		case <-time.After(wait):
			t.Fatalf("round %d: Close has not returned after %v while clients dialled in", r, wait)
		}
		close(stop)
		wg.Wait()
		for i, c := range conns {
			// One byte of a CONNECT first: a connection still in the
			// kernel's handshake when the port closed is dropped there
			// without a word, and only learns so when it sends.
			_, _ = c.Write([]byte{0x10})
			_ = c.SetReadDeadline(time.Now().Add(wait))
			if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
				t.Fatalf("round %d: connection %d of %d still open after Close (%v)", r, i, len(conns), err)
			}
			_ = c.Close()
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestAddressIsTheBoundPortOnceListening(t *testing.T) {
	ln := NewTCP("t", "127.0.0.1:0", nil)
	if got := ln.Address(); got != "127.0.0.1:0" {
		t.Fatalf("before Init the address is %q, want the one asked for", got)
	}
	s, ln := serve(t)
	defer Close(s)
	if _, port, _ := net.SplitHostPort(ln.Address()); port == "0" || port == "" {
		t.Fatalf("after Init the address is %q, want the port chosen", ln.Address())
	}
}
