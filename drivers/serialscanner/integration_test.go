package serialscanner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/qrscan"
	"github.com/kakou/kakou/internal/testenv"
)

// patience bounds every wait in these tests. It guards against hangs; no
// test asserts that anything happens faster than this.
const patience = 15 * time.Second

// needSocat skips a test when socat is missing, unless KAKOU_INTEGRATION=1
// demands that it run, and under -short unless KAKOU_INTEGRATION=1.
func needSocat(t testing.TB) string {
	t.Helper()
	path := testenv.Need(t, "socat")
	if testing.Short() && !testenv.Integration() {
		t.Skip("integration test skipped with -short")
	}
	return path
}

// ptyPair is a virtual serial cable made by socat: the test writes as the
// scanner into one end, and the Scanner reads the other, host, end.
type ptyPair struct {
	t             testing.TB
	socat         string
	scanner, host string
	cmd           *exec.Cmd
	w             *os.File
}

func newPtyPair(t testing.TB) *ptyPair {
	t.Helper()
	dir := t.TempDir()
	p := &ptyPair{t: t, socat: needSocat(t), scanner: filepath.Join(dir, "scanner"), host: filepath.Join(dir, "host")}
	t.Cleanup(p.unplug)
	return p
}

// plugIn starts socat and waits until both ends exist.
func (p *ptyPair) plugIn() {
	p.t.Helper()
	p.cmd = exec.Command(p.socat, "-d", "-d",
		"pty,raw,echo=0,link="+p.scanner, "pty,raw,echo=0,link="+p.host)
	var log strings.Builder
	p.cmd.Stderr = &log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start socat: %v", err)
	}
	testenv.Await(p.t, "socat links "+p.scanner+" and "+p.host, patience, func() bool {
		return exists(p.scanner) && exists(p.host)
	})
	w, err := os.OpenFile(p.scanner, os.O_WRONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		p.t.Fatalf("open scanner end: %v\nsocat: %s", err, log.String())
	}
	p.w = w
}

// unplug stops socat, so the host end disappears as a USB scanner would.
func (p *ptyPair) unplug() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait() // exits 143 on SIGTERM
	_ = p.w.Close()
	p.cmd, p.w = nil, nil
}

// send writes each piece as the scanner, pausing between pieces so they
// arrive in separate reads.
func (p *ptyPair) send(pause time.Duration, pieces ...string) {
	p.t.Helper()
	for i, s := range pieces {
		if i > 0 {
			time.Sleep(pause)
		}
		if _, err := p.w.WriteString(s); err != nil {
			p.t.Fatalf("write %q: %v", s, err)
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func openScanner(t testing.TB, port string, frame qrscan.Opts) *Scanner {
	t.Helper()
	opts := DefaultOpts
	opts.Port = port
	opts.Frame = frame
	opts.ReopenMin, opts.ReopenMax = 50*time.Millisecond, 400*time.Millisecond
	s, err := Open(&opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// scanN describes the next n results as qrscan's drain does.
func scanN(t *testing.T, s *Scanner, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	var out []string
	for range n {
		c, err := s.Scan(ctx)
		switch {
		case errors.Is(err, qrscan.ErrOversize):
			out = append(out, "oversize")
		case err != nil:
			t.Fatalf("Scan after %q: %v (state %+v)", out, err, s.State())
		case c.Valid:
			out = append(out, string(c.Data))
		default:
			out = append(out, fmt.Sprintf("invalid %q", c.Data))
		}
	}
	return out
}

func TestScannerIntegrationFramesCodesFromSerialPort(t *testing.T) {
	fixed := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	frozen := func() time.Time { return fixed }
	withOpts := func(edit func(*qrscan.Opts)) qrscan.Opts {
		o := qrscan.DefaultOpts
		edit(&o)
		return o
	}
	for _, tc := range []struct {
		name   string
		frame  qrscan.Opts
		pause  time.Duration
		pieces []string
		want   []string
	}{
		{"CR", qrscan.DefaultOpts, 0, []string{"HC1:green\r"}, []string{"HC1:green"}},
		{"LF", qrscan.DefaultOpts, 0, []string{"HC1:green\n"}, []string{"HC1:green"}},
		{"CRLF", qrscan.DefaultOpts, 0, []string{"a\r\nb\r\n"}, []string{"a", "b"}},
		{"TAB", qrscan.DefaultOpts, 0, []string{"a\tb\t"}, []string{"a", "b"}},
		{"CRLF only mode", withOpts(func(o *qrscan.Opts) { o.Terminator = qrscan.CRLF }), 0,
			[]string{"a\rb\r\n"}, []string{`invalid "a\rb"`}},
		{"pieces with pauses are joined", qrscan.DefaultOpts, 150 * time.Millisecond,
			[]string{"https://hc.", "example/", "v?c=1", "\r", "\n"}, []string{"https://hc.example/v?c=1"}},
		{"garbage bytes", qrscan.DefaultOpts, 0,
			[]string{"\x00\x00\xff\r", "ok\r", "\x00bad\xff\r", "caf\xc3\xa9\r"}, []string{"ok", `invalid "\x00bad\xff"`, "café"}},
		{"oversize then resync", withOpts(func(o *qrscan.Opts) { o.MaxLen = 64 }), 20 * time.Millisecond,
			[]string{strings.Repeat("x", 3000), strings.Repeat("y", 3000), "\rok\r"}, []string{"oversize", "ok"}},
		{"same code within window counts once", withOpts(func(o *qrscan.Opts) { o.Now = frozen }), 0,
			[]string{"A\r", "A\r", "B\r", "A\r"}, []string{"A", "B", "A"}},
		{"dedup off", withOpts(func(o *qrscan.Opts) { o.DedupWindow = 0 }), 0,
			[]string{"A\rA\r"}, []string{"A", "A"}},
		{"prefix and suffix", withOpts(func(o *qrscan.Opts) { o.Prefix, o.Suffix = "]Q1", "#" }), 0,
			[]string{"]Q1abc#\r"}, []string{"abc"}},
		{"no terminator with idle flush", withOpts(func(o *qrscan.Opts) { o.IdleFlush = 100 * time.Millisecond }), 700 * time.Millisecond,
			[]string{"ABC", "DEF"}, []string{"ABC", "DEF"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pair := newPtyPair(t)
			pair.plugIn()
			s := openScanner(t, pair.host, tc.frame)
			if st := s.State(); st.Status != Connected {
				t.Fatalf("State = %+v, want connected", st)
			}
			// A last code proves nothing else was framed before it.
			end := "END\r\n"
			if tc.frame.IdleFlush > 0 {
				end = "END"
			}
			pair.send(tc.pause, append(tc.pieces, end)...)
			want := append(tc.want, "END")
			if got := scanN(t, s, len(want)); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

func TestScannerIntegrationReconnectsAfterUnplug(t *testing.T) {
	pair := newPtyPair(t)
	pair.plugIn()
	s := openScanner(t, pair.host, qrscan.DefaultOpts)
	pair.send(0, "before\r")
	if got := scanN(t, s, 1); got[0] != "before" {
		t.Fatalf("got %q before unplugging", got)
	}
	for round := 1; round <= 2; round++ {
		pulled := time.Now()
		pair.unplug()
		testenv.Await(t, "State to report the scanner unplugged", patience, func() bool { return s.State().Status == Unplugged })
		// Logged, not asserted: the target is 2 s on a Pi, and a loaded CI
		// machine says nothing about that.
		t.Logf("round %d: unplug noticed after %v", round, time.Since(pulled))
		st := s.State()
		if s.Healthy() || st.Err == nil || !strings.Contains(st.Err.Error(), pair.host) {
			t.Fatalf("State after unplug = %+v, want unplugged with an error naming the port", st)
		}
		testenv.Await(t, "a reopen attempt to fail", patience, func() bool {
			return errors.Is(s.State().Err, fs.ErrNotExist)
		})

		pair.plugIn()
		testenv.Await(t, "State to report the scanner connected", patience, s.Healthy)
		codes := []string{}
		for i := range 5 {
			codes = append(codes, fmt.Sprintf("after-%d-%d", round, i))
		}
		pair.send(10*time.Millisecond, codesWithCR(codes)...)
		if got := scanN(t, s, len(codes)); strings.Join(got, "|") != strings.Join(codes, "|") {
			t.Fatalf("round %d: got %q, want every code sent after reconnecting %q", round, got, codes)
		}
		if st := s.State(); st.Reconnects != round || st.Err == nil {
			t.Errorf("round %d: State = %+v, want %d reconnects and the last error kept", round, st, round)
		}
	}
}

func TestScannerIntegrationStartsBeforeScannerIsPluggedIn(t *testing.T) {
	pair := newPtyPair(t)
	s := openScanner(t, pair.host, qrscan.DefaultOpts)
	if st := s.State(); st.Status != Unplugged || !errors.Is(st.Err, fs.ErrNotExist) {
		t.Fatalf("State = %+v, want unplugged: no such device", st)
	}
	pair.plugIn()
	testenv.Await(t, "the scanner to be found", patience, s.Healthy)
	pair.send(0, "first\r")
	if got := scanN(t, s, 1); got[0] != "first" {
		t.Errorf("got %q, want first", got)
	}
}

func TestScannerIntegrationCloseWhileReading(t *testing.T) {
	pair := newPtyPair(t)
	pair.plugIn()
	opts := DefaultOpts
	opts.Port = pair.host
	s, err := Open(&opts)
	if err != nil {
		t.Fatal(err)
	}
	closeDuringScan(t, s)
}

func codesWithCR(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c + "\r"
	}
	return out
}

// A scanner unplugged long enough for the backoff to reach its ceiling
// reads again soon after it is plugged back in, with the default backoff.
// The time is logged, not asserted (the schedule is asserted in
// TestReopenScheduleIsBoundedSoAReplugIsBackWithinTwoSeconds; figures come
// from BenchmarkScannerIntegrationReplug).
func TestScannerIntegrationReadsAgainAfterALongUnplugWithDefaultBackoff(t *testing.T) {
	pair := newPtyPair(t)
	pair.plugIn()
	s := openDefaultScanner(t, pair.host)
	back := replug(t, pair, s, 3*time.Second)
	t.Logf("connected again %v after the replug (ReopenMax %v)", back, DefaultOpts.ReopenMax)
	pair.send(0, "after\r")
	if got := scanN(t, s, 1); got[0] != "after" {
		t.Errorf("got %q after the replug, want after", got)
	}
}

// A junk burst without a terminator, then a pause, then a person's code:
// with IdleFlush the burst is flushed alone and the code arrives whole.
func TestScannerIntegrationIdleFlushKeepsTheCodeAfterAJunkBurst(t *testing.T) {
	pair := newPtyPair(t)
	pair.plugIn()
	frame := qrscan.DefaultOpts
	frame.IdleFlush = 300 * time.Millisecond
	s := openScanner(t, pair.host, frame)
	pair.send(time.Second, "\x1b@#", "KAKOU1:PASS:R-7\r")
	want := []string{`invalid "\x1b@#"`, "KAKOU1:PASS:R-7"}
	if got := scanN(t, s, 2); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

// BenchmarkScannerIntegrationReplug measures how long a scanner unplugged
// for 3 s (the backoff at its ceiling) takes to be connected again after it
// is plugged back in, with DefaultOpts:
//
//	go test -run '^$' -bench ScannerIntegrationReplug -benchtime 5x ./drivers/serialscanner
func BenchmarkScannerIntegrationReplug(b *testing.B) {
	pair := newPtyPair(b)
	pair.plugIn()
	s := openDefaultScanner(b, pair.host)
	var worst, total time.Duration
	n := 0
	for b.Loop() {
		d := replug(b, pair, s, 3*time.Second)
		worst, total, n = max(worst, d), total+d, n+1
	}
	b.ReportMetric(float64(worst.Milliseconds()), "max-ms/replug")
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "mean-ms/replug")
}

func openDefaultScanner(t testing.TB, port string) *Scanner {
	t.Helper()
	opts := DefaultOpts
	opts.Port = port
	s, err := Open(&opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// replug unplugs the pair, keeps it out for away, plugs it back in and
// returns how long the Scanner took to report it connected.
func replug(t testing.TB, pair *ptyPair, s *Scanner, away time.Duration) time.Duration {
	t.Helper()
	pair.unplug()
	testenv.Await(t, "State to report the scanner unplugged", patience, func() bool { return s.State().Status == Unplugged })
	time.Sleep(away)
	pair.plugIn()
	plugged := time.Now()
	testenv.Await(t, "State to report the scanner connected", patience, s.Healthy)
	return time.Since(plugged)
}
