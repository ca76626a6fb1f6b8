package idcard

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kakou/kakou/internal/testenv"
)

// ptyPair is a virtual serial cable made by socat: the simulated module
// serves one end and the Reader opens the other, host, end as it would a
// USB reader.
type ptyPair struct {
	t            testing.TB
	socat        string
	module, host string
	cmd          *exec.Cmd
	f            *os.File
	served       chan struct{}
}

func newPtyPair(t testing.TB) *ptyPair {
	t.Helper()
	path := testenv.Need(t, "socat")
	if testing.Short() && !testenv.Integration() {
		t.Skip("integration test skipped with -short")
	}
	dir := t.TempDir()
	p := &ptyPair{t: t, socat: path, module: filepath.Join(dir, "module"), host: filepath.Join(dir, "host")}
	t.Cleanup(p.unplug)
	return p
}

// plugIn starts socat and serves sim on the module end.
func (p *ptyPair) plugIn(sim *Sim) {
	p.t.Helper()
	p.cmd = exec.Command(p.socat, "-d", "-d",
		"pty,raw,echo=0,link="+p.module, "pty,raw,echo=0,link="+p.host)
	var log strings.Builder
	p.cmd.Stderr = &log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start socat: %v", err)
	}
	testenv.Await(p.t, "socat links "+p.module+" and "+p.host, patience, func() bool {
		return exists(p.module) && exists(p.host)
	})
	f, err := os.OpenFile(p.module, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		p.t.Fatalf("open module end: %v\nsocat: %s", err, log.String())
	}
	p.f, p.served = f, make(chan struct{})
	go func() { defer close(p.served); _ = sim.Serve(context.Background(), f) }()
}

// unplug stops socat, so the host end disappears as a USB reader's would.
func (p *ptyPair) unplug() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait() // exits 143 on SIGTERM
	_ = p.f.Close()
	<-p.served
	p.cmd, p.f = nil, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestReaderIntegrationReadsCardsAcrossAPtyPairAndAReplug(t *testing.T) {
	sim := NewSim()
	pair := newPtyPair(t)
	pair.plugIn(sim)
	r, err := Open(pair.host, Options{PollInterval: 20 * time.Millisecond, ReopenMin: 50 * time.Millisecond, ReopenMax: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if st := r.State(); !st.Connected {
		t.Fatalf("state %+v, want connected", st)
	}
	var mu sync.Mutex
	var found []Card
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, func(c Card) { mu.Lock(); found = append(found, c); mu.Unlock() })
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = r.Close()
	})
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(found) }

	sim.Inject(FaultGarbage)
	sim.Place(SampleCards()[0])
	testenv.Await(t, "the first card", patience, func() bool { return count() == 1 })

	pair.unplug()
	testenv.Await(t, "the reader reported unplugged", patience, func() bool { return !r.State().Connected })
	sim.Place(SampleCards()[3])
	pair.plugIn(sim)
	testenv.Await(t, "the card placed while unplugged", patience, func() bool { return count() == 2 })

	mu.Lock()
	defer mu.Unlock()
	if found[0] != SampleCards()[0] || found[1] != SampleCards()[3] {
		t.Errorf("found %+v", found)
	}
	if st := r.State(); !st.Connected || st.Reconnects != 1 || st.Err == nil {
		t.Errorf("state %+v, want connected after one reconnect, with the reason it was lost", st)
	}
}
