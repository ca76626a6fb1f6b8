package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/sdnotify"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// lane is a real screening loop behind the served interface, with a
// thermometer that can wedge like an I2C chip that stops answering: the
// hardware edge is the only fake.
type lane struct {
	p       *screening.Pipeline
	started chan struct{}
}

func (l lane) Started() <-chan struct{}          { return l.started }
func (l lane) Beats() uint64                     { return l.p.Beats() }
func (l lane) StatusLine(context.Context) string { return "screening" }

type wedgedThermo struct{ entered, release chan struct{} }

func (w wedgedThermo) Measure(context.Context) (policy.Reading, error) {
	w.entered <- struct{}{}
	<-w.release
	return policy.Reading{Raw: 309_150, Body: 309_650}, nil
}

type codes chan []byte

func (c codes) Scan(ctx context.Context) ([]byte, error) {
	select {
	case b := <-c:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type noLedger struct{}

func (noLedger) Append(context.Context, *wire.Entry) error { return nil }
func (noLedger) Admissions(context.Context, uint64) ([]uint64, error) {
	return nil, nil
}

func TestHungScreeningLoopStopsTheWatchdogPingsWhileTheProcessLives(t *testing.T) {
	name := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", name)
	t.Setenv("WATCHDOG_USEC", "40000")
	t.Setenv("WATCHDOG_PID", fmt.Sprint(os.Getpid()))
	sd := sdnotify.New(nil)
	th := wedgedThermo{entered: make(chan struct{}), release: make(chan struct{})}
	scans := make(codes, 1)
	n := 0
	p, err := screening.New(th, scans, noLedger{}, screening.Options{
		Site: "s", Unit: "u", Lane: wire.LaneIn, Policy: policy.Default, BootID: "b",
		Now:       func() (time.Time, bool) { return time.Unix(0, 0), false },
		NewID:     func() string { n++; return fmt.Sprint("id-", n) },
		BeatEvery: beatFor(sd),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	started := make(chan struct{})
	close(started)
	go tellSystemd(ctx, sd, lane{p, started})

	next := func() string {
		conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a ceiling against a hang
		buf := make([]byte, 4096)
		k, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no notification: %v", err)
		}
		return string(buf[:k])
	}
	if m := next(); m != "READY=1\nSTATUS=screening" {
		t.Fatalf("got %q, want READY=1", m)
	}
	for pings := 0; pings < 2; {
		if next() == "WATCHDOG=1" {
			pings++
		}
	}
	scans <- []byte("someone")
	<-th.entered
	// From the first check that sees no progress, systemd hears the loop
	// is stuck and no ping follows until the loop moves again.
	for m := next(); m != "STATUS=screening loop stuck: no progress since the last check; systemd restarts the unit when WatchdogSec passes"; m = next() {
		if m != "WATCHDOG=1" {
			t.Fatalf("got %q, want pings until the stuck status", m)
		}
	}
	time.Sleep(10 * sd.PingEvery()) // lets a wrong ping show itself; asserts no speed
	close(th.release)
	if m := next(); m != "STATUS=screening" {
		t.Fatalf("got %q after the loop was stuck, want no ping until its status is back", m)
	}
	testenv.Await(t, "pings to resume", 30*time.Second, func() bool { return next() == "WATCHDOG=1" })
}
