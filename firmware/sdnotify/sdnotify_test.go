package sdnotify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen is systemd's side: a real unixgram socket NOTIFY_SOCKET names.
// Each read gives one datagram's lines.
type listener struct {
	t    *testing.T
	conn *net.UnixConn
}

func listen(t *testing.T, name string) *listener {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	return &listener{t: t, conn: conn}
}

// next reads the next datagram; the deadline is a ceiling against a hang,
// not a bound on speed.
func (l *listener) next() []string {
	l.t.Helper()
	l.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 4096)
	n, err := l.conn.Read(buf)
	if err != nil {
		l.t.Fatalf("no notification: %v", err)
	}
	return strings.Split(string(buf[:n]), "\n")
}

func watchdogFor(t *testing.T, pid int, usec string) {
	t.Setenv("WATCHDOG_USEC", usec)
	t.Setenv("WATCHDOG_PID", strconv.Itoa(pid))
}

func TestReadyStatusPingsAndStoppingReachSystemdInOrder(t *testing.T) {
	l := listen(t, filepath.Join(t.TempDir(), "notify"))
	watchdogFor(t, os.Getpid(), "20000")
	n := New(nil)
	if n.PingEvery() != 10*time.Millisecond {
		t.Fatalf("PingEvery = %v, want half of WATCHDOG_USEC", n.PingEvery())
	}
	n.Ready("screening")
	if got := l.next(); strings.Join(got, "|") != "READY=1|STATUS=screening" {
		t.Fatalf("first notification %q, want READY=1 with the status", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Watch(ctx, func(context.Context) (bool, string) { return true, "screening; 3 entries today" })
	}()
	if got := l.next(); got[0] != "STATUS=screening; 3 entries today" {
		t.Fatalf("got %q, want the status line before the first ping", got)
	}
	for i := range 3 {
		if got := l.next(); got[0] != "WATCHDOG=1" {
			t.Fatalf("notification %d after the status: %q, want WATCHDOG=1 (an unchanged status is not resent)", i, got)
		}
	}
	cancel()
	<-done
	n.Stopping()
	for {
		got := l.next()
		if got[0] == "WATCHDOG=1" {
			continue // sent before cancel was seen
		}
		if got[0] != "STOPPING=1" {
			t.Fatalf("got %q, want STOPPING=1", got)
		}
		break
	}
}

func TestNoPingWhileTheLoopMakesNoProgress(t *testing.T) {
	l := listen(t, filepath.Join(t.TempDir(), "notify"))
	watchdogFor(t, os.Getpid(), "2000")
	n := New(nil)
	calls := 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Watch(ctx, func(context.Context) (bool, string) {
		calls++
		return calls > 5, fmt.Sprint("check ", calls)
	})
	for i := 1; i <= 5; i++ {
		if got := l.next(); got[0] != fmt.Sprint("STATUS=check ", i) {
			t.Fatalf("got %q while the loop was stuck, want only its status", got)
		}
	}
	if got := l.next(); got[0] != "STATUS=check 6" {
		t.Fatalf("got %q, want the sixth status", got)
	}
	if got := l.next(); got[0] != "WATCHDOG=1" {
		t.Fatalf("got %q, want the ping once the loop moves again", got)
	}
}

func TestWatchdogMeantForAnotherProcessIsIgnored(t *testing.T) {
	l := listen(t, filepath.Join(t.TempDir(), "notify"))
	watchdogFor(t, os.Getppid(), "2000")
	n := New(nil)
	if n.PingEvery() != 0 {
		t.Fatalf("PingEvery = %v for another process's watchdog, want 0", n.PingEvery())
	}
	n.statusEvery = time.Millisecond
	calls := 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Watch(ctx, func(context.Context) (bool, string) { calls++; return true, fmt.Sprint("check ", calls) })
	for i := 1; i <= 3; i++ {
		if got := l.next(); got[0] != fmt.Sprint("STATUS=check ", i) {
			t.Fatalf("got %q, want status lines and no ping", got)
		}
	}
}

func TestWithoutNotifySocketNothingIsSentOrWatched(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	watchdogFor(t, os.Getpid(), "2000")
	n := New(nil)
	if n.Enabled() {
		t.Fatal("Enabled with no NOTIFY_SOCKET")
	}
	n.Ready("screening")
	n.Stopping()
	n.Watch(context.Background(), func(context.Context) (bool, string) {
		t.Fatal("Watch checked the loop with nobody to tell")
		return false, ""
	})
}

func TestAbstractSocketNameIsHonoured(t *testing.T) {
	l := listen(t, fmt.Sprintf("@kakou-sdnotify-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	New(nil).Ready("up")
	if got := l.next(); got[0] != "READY=1" {
		t.Fatalf("got %q on the abstract socket, want READY=1", got)
	}
}

func TestProgressSaysWhetherTheCounterMovedSinceTheLastCall(t *testing.T) {
	var n uint64 = 7
	moved := Progress(func() uint64 { return n })
	if moved() {
		t.Fatal("moved before any beat")
	}
	n++
	if !moved() {
		t.Fatal("a beat was not seen")
	}
	if moved() {
		t.Fatal("the same beat was counted twice")
	}
}

func TestServingIsAliveOnlyWhileTheProbePassesAndSaysWhy(t *testing.T) {
	var fail error
	check := Serving("relaying", func() error { return fail })
	if alive, status := check(context.Background()); !alive || status != "relaying" {
		t.Fatalf("probe passing: %v %q", alive, status)
	}
	fail = errors.New("dial tcp 127.0.0.1:1883: connection refused")
	if alive, status := check(context.Background()); alive || status != "not serving: "+fail.Error() {
		t.Fatalf("probe failing: %v %q", alive, status)
	}
}
