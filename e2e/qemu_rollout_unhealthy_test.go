package e2e

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/kakou/kakou/internal/testenv"
)

// A version that starts, screens and says READY=1, but whose uplink never
// connects although the broker answers: Confirm's window rolls it back
// from inside the new version, and the entries it logged meanwhile reach
// the centre through the version that comes back.

func (r *qemuRollout) rollsBackAnUnhealthyVersion(t *testing.T) {
	mark, before := len(r.svc.Events()), r.ledgerCount(t)
	release(t, r.releases, "1.9.0", r.bins.later)
	r.publish(t, r.readRelease(t, "1.9.0"), r.key)
	// The uplink is cut from the moment 1.5.0 exits for the update until
	// 1.9.0 has been rolled back: to the health check, a broker that
	// accepts TCP and then hangs up is the program's fault.
	testenv.Await(t, "1.5.0 exiting for the update", patience, func() bool { return r.svc.count("exit", mark) > 0 })
	r.proxy.refuse(true)
	ready := r.awaitReady(t, mark, r.installed("1.9.0"))
	r.assertStartedByThePackagedBinary(t, ready)
	testenv.Await(t, "1.9.0 rolled back on the unit", 2*patience, func() bool {
		st := r.state(t)
		return st.Version == "1.9.0" && st.Phase == "rolled-back"
	})
	r.proxy.refuse(false)
	if st := r.state(t); !strings.Contains(st.Reason, "not healthy within") || !strings.Contains(st.Reason, "uplink not connected") {
		t.Errorf("1.9.0 rolled back for %q, want Confirm's window and the uplink", st.Reason)
	}
	back := r.awaitReady(t, mark, r.installed("1.5.0"))
	r.assertStartedByThePackagedBinary(t, back)
	if n := r.svc.count("timeout", mark); n != 0 {
		t.Errorf("systemd stopped a start %d times; Confirm should have rolled back:\n%s", n, r.svc.history())
	}
	testenv.Await(t, "the centre seeing 1.9.0 rolled back", patience, func() bool {
		o, ok := r.outcome(t, "1.9.0")
		return ok && o.Phase == "rolled-back" && r.firmware(t) == "1.5.0"
	})
	if cur := r.current(); cur != "1.5.0" {
		t.Fatalf("programs/current -> %q after the rollback, want 1.5.0", cur)
	}
	// What 1.9.0 screened with its uplink cut is in the ledger and, now,
	// at the centre.
	r.awaitScreening(t, before+1)
	r.awaitEntriesAtCentre(t)
	r.assertStillRunning(t, back, "1.9.0")
}

// cutProxy stands between the unit and the broker. Refusing, it accepts
// a connection and closes it at once (the broker "answers"), and closes
// the ones it carries.
type cutProxy struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
}

func startCutProxy(t *testing.T, to string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, to: to, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.refuse(true) })
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) refuse(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.carry(c)
	}
}

func (p *cutProxy) carry(c net.Conn) {
	p.mu.Lock()
	cut := p.cut
	p.mu.Unlock()
	if cut {
		c.Close()
		return
	}
	up, err := net.Dial("tcp", p.to)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}
