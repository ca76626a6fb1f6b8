package e2e

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// notifySocket is systemd's end of NOTIFY_SOCKET: a real unixgram socket
// in a temp dir, which the program started next inherits.
func notifySocket(t *testing.T) *net.UnixConn {
	t.Helper()
	name := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	return conn
}

// nextNotice reads one datagram; the deadline is a ceiling against a hang.
func nextNotice(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(patience))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no notification from the program: %v", err)
	}
	return string(buf[:n])
}

// untilStopping reads until STOPPING=1 and returns what came before.
func untilStopping(t *testing.T, conn *net.UnixConn) []string {
	t.Helper()
	var seen []string
	for {
		m := nextNotice(t, conn)
		if strings.HasPrefix(m, "STOPPING=1") {
			return seen
		}
		seen = append(seen, m)
	}
}

func TestUnitUnderSystemdSaysReadyPingsTheWatchdogAndSaysStopping(t *testing.T) {
	bin := binaries(t)
	conn := notifySocket(t)
	t.Setenv("WATCHDOG_USEC", "400000")
	t.Setenv("WATCHDOG_PID", "")
	dir := t.TempDir()
	u := startUnitProcAt(t, bin.unit, dir, "site-n", "unit-n", "tcp://127.0.0.1:1", 0, "200ms")
	first := nextNotice(t, conn)
	if !strings.HasPrefix(first, "READY=1\nSTATUS=screening;") {
		t.Fatalf("first notification %q, want READY=1 with a status line", first)
	}
	pings := 0
	for pings < 3 {
		if m := nextNotice(t, conn); m == "WATCHDOG=1" {
			pings++
		} else if !strings.HasPrefix(m, "STATUS=screening;") {
			t.Fatalf("got %q from a healthy unit, want pings and status lines", m)
		}
	}
	u.kill(syscall.SIGTERM)
	untilStopping(t, conn)
}

func TestUnitIgnoresAWatchdogMeantForAnotherProcess(t *testing.T) {
	bin := binaries(t)
	conn := notifySocket(t)
	t.Setenv("WATCHDOG_USEC", "100000")
	t.Setenv("WATCHDOG_PID", "1")
	dir := t.TempDir()
	u := startUnitProcAt(t, bin.unit, dir, "site-p", "unit-p", "tcp://127.0.0.1:1", 0, "1s")
	if first := nextNotice(t, conn); !strings.HasPrefix(first, "READY=1") {
		t.Fatalf("first notification %q, want READY=1", first)
	}
	// With the watchdog its own, the unit would ping every 50 ms here;
	// the pause lets a wrong one show itself, it asserts no speed.
	time.Sleep(time.Second)
	u.kill(syscall.SIGTERM)
	for _, m := range untilStopping(t, conn) {
		if strings.Contains(m, "WATCHDOG=1") {
			t.Fatalf("the unit pinged a watchdog set for pid 1: %q", m)
		}
	}
}

// awaitPings reads until n watchdog pings, failing on anything but pings
// and status lines that start with want.
func awaitPings(t *testing.T, conn *net.UnixConn, n int, want string) {
	t.Helper()
	for pings := 0; pings < n; {
		if m := nextNotice(t, conn); m == "WATCHDOG=1" {
			pings++
		} else if !strings.HasPrefix(m, "STATUS="+want) {
			t.Fatalf("got %q from a healthy program, want pings", m)
		}
	}
}

func TestCollectorUnderSystemdSaysReadyPingsWhileHealthyAndSaysStopping(t *testing.T) {
	bin := binaries(t)
	conn := notifySocket(t)
	t.Setenv("WATCHDOG_USEC", "400000")
	dir, addr := t.TempDir(), freePort(t)
	c := startCloudProc(t, bin.cloud, dir, fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", addr), "tcp://"+addr)
	if first := nextNotice(t, conn); !strings.HasPrefix(first, "READY=1\nSTATUS=collecting;") {
		t.Fatalf("first notification %q, want READY=1 with a status line", first)
	}
	awaitPings(t, conn, 3, "collecting")
	c.kill(syscall.SIGTERM)
	untilStopping(t, conn)
}

func TestGatewayUnderSystemdSaysReadyPingsWhileServingAndSaysStopping(t *testing.T) {
	bin := binaries(t)
	dir, addr := t.TempDir(), freePort(t)
	c := startCloudProc(t, bin.cloud, dir, fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", addr), "tcp://"+addr)
	conn := notifySocket(t) // for the gateway only, started after the collector
	t.Setenv("WATCHDOG_USEC", "400000")
	gw := startGatewayProc(t, bin.gateway, dir, "site-g", c.brokerURL, 10)
	if first := nextNotice(t, conn); !strings.HasPrefix(first, "READY=1\nSTATUS=relaying") {
		t.Fatalf("first notification %q, want READY=1 with a status line", first)
	}
	awaitPings(t, conn, 3, "relaying")
	gw.kill(syscall.SIGTERM)
	untilStopping(t, conn)
}
