package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A stand-in for systemd running packaging/debian/kakou-unit.service:
// before every start ExecStartPre (the guard, its failure ignored as the
// '-' says), then ExecStart; Type=notify, so a start that has not said
// READY=1 within TimeoutStartSec is stopped (SIGTERM, then SIGKILL after
// TimeoutStopSec) and counts as failed; Restart=always after RestartSec.
// It listens on NOTIFY_SOCKET with SO_PASSCRED, so it knows which PID
// said READY=1: NotifyAccess=main accepts only the PID it started, which
// stays the same when the packaged binary execs an installed update.

// serviceUnit is the part of the unit file the stand-in follows.
type serviceUnit struct {
	Wrap         []string // run every command through this (the ARM binfmt namespace)
	Guard, Start []string // ExecStartPre (ignored failure) and ExecStart
	RestartSec   time.Duration
	StartTimeout time.Duration // TimeoutStartSec
	StopTimeout  time.Duration // TimeoutStopSec
	Log          string        // both commands' output, appended
}

// serviceEvent is one thing the stand-in saw: "start", "ready", "exit" or
// "timeout", with the main PID and, for "ready", the command line that
// PID runs then (which binary sent READY=1).
type serviceEvent struct {
	Kind   string
	PID    int
	At     time.Time
	Detail string
}

type service struct {
	t    *testing.T
	unit serviceUnit
	sock *net.UnixConn
	path string

	mu     sync.Mutex
	events []serviceEvent
	main   int           // the PID started last
	ready  chan struct{} // closed when main says READY=1
	stop   chan struct{} // closed by Stop
	done   chan struct{} // closed when the loop ends
	cmd    *exec.Cmd     // the running ExecStart
}

// startService opens NOTIFY_SOCKET and starts the loop; Stop ends it
// (a test's cleanup does too).
func startService(t *testing.T, u serviceUnit) *service {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sock.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	raw.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PASSCRED, 1) })
	s := &service{t: t, unit: u, sock: sock, path: path, stop: make(chan struct{}), done: make(chan struct{})}
	go s.listen()
	go s.loop()
	t.Cleanup(s.Stop)
	return s
}

// Stop is systemctl stop: SIGTERM to the main process, then the loop ends.
func (s *service) Stop() {
	s.mu.Lock()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	cmd := s.cmd
	s.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		cmd.Process.Signal(syscall.SIGTERM)
	}
	<-s.done
	s.sock.Close()
}

func (s *service) stopping() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

func (s *service) loop() {
	defer close(s.done)
	for !s.stopping() {
		s.run(s.unit.Guard) // ExecStartPre=-: its failure is ignored
		if s.stopping() {
			return
		}
		s.runMain()
		select {
		case <-s.stop:
			return
		case <-time.After(s.unit.RestartSec):
		}
	}
}

// run runs a command to its end with the service's environment.
func (s *service) run(args []string) {
	cmd, logFile := s.command(args)
	defer logFile.Close()
	if err := cmd.Run(); err != nil {
		s.logf("stand-in systemd: %s: %v", args[0], err)
	}
}

// command is args under the wrapper, with NOTIFY_SOCKET and the log; the
// caller closes the log once the command started (the child has its own).
func (s *service) command(args []string) (*exec.Cmd, *os.File) {
	all := append(append([]string{}, s.unit.Wrap...), args...)
	cmd := exec.Command(all[0], all[1:]...)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+s.path)
	f, err := os.OpenFile(s.unit.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Errorf("service log: %v", err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	return cmd, f
}

// runMain starts ExecStart and waits for it to end, stopping it when it
// does not say READY=1 within StartTimeout.
func (s *service) runMain() {
	cmd, logFile := s.command(s.unit.Start)
	ready := make(chan struct{})
	s.mu.Lock()
	err := cmd.Start()
	logFile.Close()
	if err != nil {
		s.mu.Unlock()
		s.logf("stand-in systemd: start: %v", err)
		return
	}
	s.cmd, s.main, s.ready = cmd, cmd.Process.Pid, ready
	s.add(serviceEvent{Kind: "start", PID: cmd.Process.Pid})
	if s.stopping() { // Stop came between the guard and this start
		cmd.Process.Signal(syscall.SIGTERM)
	}
	s.mu.Unlock()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-ready:
		err = <-exited
	case <-time.After(s.unit.StartTimeout):
		s.mu.Lock()
		s.add(serviceEvent{Kind: "timeout", PID: cmd.Process.Pid})
		s.mu.Unlock()
		err = s.terminate(cmd, exited)
	}
	s.mu.Lock()
	s.cmd = nil
	s.add(serviceEvent{Kind: "exit", PID: cmd.Process.Pid, Detail: fmt.Sprint(err)})
	s.mu.Unlock()
}

func (s *service) terminate(cmd *exec.Cmd, exited chan error) error {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		return err
	case <-time.After(s.unit.StopTimeout):
		cmd.Process.Kill()
		return <-exited
	}
}

// add records an event; s.mu is held.
func (s *service) add(e serviceEvent) {
	e.At = time.Now()
	s.events = append(s.events, e)
}

// listen reads notifications with the sender's credentials; READY=1 from
// the main PID marks the start ready (NotifyAccess=main ignores others).
func (s *service) listen() {
	buf, oob := make([]byte, 4096), make([]byte, 256)
	for {
		n, oobn, _, _, err := s.sock.ReadMsgUnix(buf, oob)
		if err != nil {
			return
		}
		pid := senderPID(oob[:oobn])
		msg := string(buf[:n])
		s.mu.Lock()
		if pid == s.main && strings.Contains(msg, "READY=1") && s.ready != nil {
			s.add(serviceEvent{Kind: "ready", PID: pid, Detail: cmdline(pid)})
			close(s.ready)
			s.ready = nil
		}
		s.mu.Unlock()
	}
}

func senderPID(oob []byte) int {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if cred, err := syscall.ParseUnixCredentials(&m); err == nil {
			return int(cred.Pid)
		}
	}
	return 0
}

// cmdline is what a PID runs: under binfmt, "qemu-arm-static <binary> <args>".
func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.TrimSpace(string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
}

// Events is a copy of what the stand-in saw so far.
func (s *service) Events() []serviceEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]serviceEvent{}, s.events...)
}

// count is how many events of kind the stand-in saw from event from on.
func (s *service) count(kind string, from int) int {
	n := 0
	for _, e := range s.Events()[min(from, len(s.Events())):] {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// lastReady is the last READY=1 at or after event from, if any.
func (s *service) lastReady(from int) (serviceEvent, bool) {
	evs := s.Events()
	for i := len(evs) - 1; i >= from && i >= 0; i-- {
		if evs[i].Kind == "ready" {
			return evs[i], true
		}
	}
	return serviceEvent{}, false
}

// Running is the main PID now and whether it has said READY=1.
func (s *service) Running() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.main, s.cmd != nil && s.ready == nil
}

func (s *service) logf(format string, args ...any) {
	if f, err := os.OpenFile(s.unit.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
		fmt.Fprintf(f, format+"\n", args...)
		f.Close()
	}
}

// history is the events as lines, for a failing test's message.
func (s *service) history() string {
	var b strings.Builder
	for _, e := range s.Events() {
		fmt.Fprintf(&b, "%s %-7s pid %d %s\n", e.At.Format("15:04:05.000"), e.Kind, e.PID, e.Detail)
	}
	return b.String()
}
