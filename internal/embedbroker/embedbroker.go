// Package embedbroker holds what every embedded mochi MQTT broker in Kakou needs
// to stop cleanly at any moment: the collector's broker, the gateway's LAN
// broker and the brokers the unit's tests run.
//
// mochi v2.7.9 has two shutdown faults. Server.Close lists each listener's
// clients with Clients.GetByListener, which takes the clients' read lock
// twice (it calls Len inside); a client ending its session just then queues
// for the write lock between the two, and the three wait on each other for
// ever. And its TCP listener hands an accepted connection to a goroutine
// that counts itself in Listeners.ClientsWg only when it runs, so a
// connection accepted as the broker closes adds to the WaitGroup while
// Close already waits on it: a data race, and a client left unclosed.
// Listener and Close mend both.
package embedbroker

import (
	"crypto/tls"
	"log/slog"
	"net"
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Listener is a TCP (or TLS) listener for a mochi server that knows every
// connection it accepted, so that closing it closes them all and returns
// only once each has left the server.
type Listener struct {
	id, address string
	tls         *tls.Config
	log         *slog.Logger

	mu     sync.Mutex
	ln     net.Listener
	closed bool
	conns  map[net.Conn]struct{}
	live   sync.WaitGroup // counted under mu while !closed, so never beside Wait
}

var _ listeners.Listener = (*Listener)(nil)

// NewTCP returns a listener for address; with config non-nil it speaks TLS.
func NewTCP(id, address string, config *tls.Config) *Listener {
	return &Listener{id: id, address: address, tls: config, conns: map[net.Conn]struct{}{}}
}

// ID is the name clients' Net.Listener carries.
func (l *Listener) ID() string { return l.id }

// Protocol is "tcp", as mochi's own listener says.
func (l *Listener) Protocol() string { return "tcp" }

// Address is the bound address once listening (so port 0 reads as the
// port chosen), else the one asked for.
func (l *Listener) Address() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		return l.ln.Addr().String()
	}
	return l.address
}

// Init opens the address.
func (l *Listener) Init(log *slog.Logger) error {
	ln, err := net.Listen("tcp", l.address)
	if err != nil {
		return err
	}
	if l.tls != nil {
		ln = tls.NewListener(ln, l.tls)
	}
	l.mu.Lock()
	l.ln, l.log = ln, log
	l.mu.Unlock()
	return nil
}

// Serve accepts until Close.
func (l *Listener) Serve(establish listeners.EstablishFn) {
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			return
		}
		if !l.track(conn) {
			_ = conn.Close()
			return
		}
		go func() {
			defer l.untrack(conn)
			if err := establish(l.id, conn); err != nil && l.log != nil {
				l.log.Warn("", "error", err)
			}
		}()
	}
}

func (l *Listener) track(conn net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.conns[conn] = struct{}{}
	l.live.Add(1)
	return true
}

func (l *Listener) untrack(conn net.Conn) {
	l.mu.Lock()
	delete(l.conns, conn)
	l.mu.Unlock()
	_ = conn.Close()
	l.live.Done()
}

// Close stops accepting, lets closeClients say goodbye to the clients the
// server knows, closes every connection still open (one still sending its
// CONNECT is known to no one else) and waits until each has left the
// server. Closing twice is harmless.
func (l *Listener) Close(closeClients listeners.CloseFn) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	ln := l.ln
	l.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	closeClients(l.id)
	l.mu.Lock()
	for conn := range l.conns {
		_ = conn.Close()
	}
	l.mu.Unlock()
	l.live.Wait()
}

// Close is s.Close with each listener closed first by a closer that lists
// the clients under one read lock, which leaves s.Close only the waiting.
// Serve s through Listener, or a connection accepted as it closes still
// races with the wait.
func Close(s *mqtt.Server) error {
	s.Listeners.CloseAll(func(listener string) {
		for _, cl := range s.Clients.GetAll() {
			if cl.Net.Listener == listener && !cl.Closed() {
				_ = s.DisconnectClient(cl, packets.ErrServerShuttingDown)
			}
		}
	})
	return s.Close()
}
