package unit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/embedbroker"
	"github.com/kakou/kakou/internal/testenv"
)

// hangGuard only turns a hang into a failure; nothing asserts on durations.
const hangGuard = 30 * time.Second

// pushFor is the community-closed profile pushed to unit s1/u1 as version.
func pushFor(t testing.TB, version string) wire.PolicyPush {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "configs", "policies", "community-closed.toml"))
	if err != nil {
		t.Fatal(err)
	}
	doc = bytes.Replace(doc, []byte(`version = "community-closed-1"`), []byte(fmt.Sprintf("version = %q", version)), 1)
	return wire.PolicyPush{Schema: wire.SchemaVersion, Site: "s1", Unit: "u1", Profile: "community-closed",
		Version: version, Document: string(doc), IssuedAt: time.Now().UTC(), IssuedBy: "district-office"}
}

// testBroker is an embedded mochi broker on a fresh loopback port that
// reports every status the units publish.
type testBroker struct {
	srv      *mochi.Server
	url      string
	statuses chan wire.Status
	stop     func() // closes the broker; the test may do so before its cleanup
}

// allowAll admits every client and topic (auth.AllowHook would pull
// yaml.v3 into go.sum for nothing).
type allowAll struct{ mochi.HookBase }

func (allowAll) ID() string { return "test-allow" }
func (allowAll) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}
func (allowAll) OnConnectAuthenticate(*mochi.Client, packets.Packet) bool { return true }
func (allowAll) OnACLCheck(*mochi.Client, string, bool) bool              { return true }

func startTestBroker(t *testing.T) *testBroker {
	t.Helper()
	srv := mochi.New(&mochi.Options{InlineClient: true, Logger: slog.New(slog.DiscardHandler)})
	ln := embedbroker.NewTCP("tcp", "127.0.0.1:0", nil)
	b := &testBroker{srv: srv, statuses: make(chan wire.Status, 1000)}
	for _, err := range []error{srv.AddHook(new(allowAll), nil), srv.AddListener(ln),
		srv.Subscribe(wire.StatusTopic("s1", "u1"), 1, b.onStatus), srv.Serve()} {
		if err != nil {
			t.Fatal(err)
		}
	}
	b.url = "tcp://" + ln.Address()
	b.stop = sync.OnceFunc(func() { embedbroker.Close(srv) })
	t.Cleanup(b.stop)
	return b
}

func (b *testBroker) onStatus(_ *mochi.Client, _ packets.Subscription, pk packets.Packet) {
	if s, err := wire.DecodeStatus(pk.Payload); err == nil {
		select {
		case b.statuses <- s:
		default: // nobody is reading; the broker must not stall
		}
	}
}

// publish sends p, retained as the centre sends it, on unit's policy topic.
func (b *testBroker) publish(t *testing.T, unit string, p wire.PolicyPush) {
	t.Helper()
	payload, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Publish(wire.PolicyTopic("s1", unit), payload, true, wire.QoSPolicy); err != nil {
		t.Fatal(err)
	}
}

// awaitStatus skips statuses until one announces version. One deadline for
// the whole wait: heartbeats would renew a per-status timer for ever.
func (b *testBroker) awaitStatus(t *testing.T, version string) wire.Status {
	t.Helper()
	deadline := time.After(hangGuard)
	var seen []string
	for {
		select {
		case s := <-b.statuses:
			if s.State == wire.Online && s.PolicyVersion == version {
				return s
			}
			seen = append(seen, string(s.State)+" "+s.PolicyVersion)
		case <-deadline:
			t.Fatalf("no status with policy %s reached the broker; statuses seen: %v", version, seen)
		}
	}
}

// logSink collects a unit's log so a test can wait for a line.
type logSink struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // size 1: something was written
}

func newLogSink() *logSink { return &logSink{changed: make(chan struct{}, 1)} }

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return l.buf.Write(p)
}

func (l *logSink) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

// await waits until msg has been logged n times and returns the log. One
// deadline for the whole wait: a unit logs every entry, so a timer renewed
// on each write would never fire.
func (l *logSink) await(t *testing.T, msg string, n int) string {
	t.Helper()
	deadline := time.After(hangGuard)
	for s := l.String(); strings.Count(s, msg) < n; s = l.String() {
		select {
		case <-l.changed:
		case <-deadline:
			t.Fatalf("%q logged %d times, want %d:\n%s", msg, strings.Count(s, msg), n, s)
		}
	}
	return l.String()
}

// newSimUnit builds unit s1/u1 with simulated devices, a crowd arriving
// every few milliseconds and its state in dataDir.
func newSimUnit(t *testing.T, dataDir, broker string, log *logSink) *Unit {
	t.Helper()
	path := filepath.Join(t.TempDir(), "unit.toml")
	body := fmt.Sprintf(`site = "s1"
unit = "u1"
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
[simulator]
mean_interval = "5ms"
`, dataDir, broker)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := New(cfg, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// run starts u; the returned stop (also a cleanup) ends it and closes it.
func run(t *testing.T, u *Unit) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		if err := awaitRun(t, done); err != nil {
			t.Errorf("Run: %v", err)
		}
		u.Close()
	})
	t.Cleanup(stop)
	return stop
}

// entryAfter waits for the first entry with a seq above seq.
func entryAfter(t *testing.T, u *Unit, seq uint64) wire.Entry {
	t.Helper()
	var e wire.Entry
	testenv.Await(t, fmt.Sprintf("an entry after seq %d", seq), hangGuard, func() bool {
		es, err := u.Ledger().Entries(context.Background(), seq, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 1 {
			e = es[0]
		}
		return len(es) == 1
	})
	return e
}

// entryUnder waits for an entry decided under version. The simulated
// crowd never stops, so the wait has one deadline of its own.
func entryUnder(t *testing.T, u *Unit, version string) wire.Entry {
	t.Helper()
	var seq uint64
	for deadline := time.Now().Add(hangGuard); time.Now().Before(deadline); {
		e := entryAfter(t, u, seq)
		if e.PolicyVersion == version {
			return e
		}
		seq = e.Seq
	}
	t.Fatalf("no entry decided under %s up to seq %d (running %s)", version, seq, u.policy.Current().Version)
	return wire.Entry{}
}

// awaitRun waits for Run's result after its context ended; a Run that does
// not return fails the test with the unit's goroutines.
func awaitRun(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(hangGuard):
		t.Fatalf("Run did not return %v after its context ended; the unit's goroutines:\n%s", hangGuard, unitStacks())
		return nil
	}
}

// unitStacks are the stacks of the goroutines running this module's code,
// which is what a hang report needs (the full dump is mostly the runtime's).
func unitStacks() string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "kakou/kakou/") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

func lastSeq(t *testing.T, u *Unit) uint64 {
	t.Helper()
	n, err := u.Ledger().LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// savedVersion is the version in the unit's saved push file.
func savedVersion(t *testing.T, dataDir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, pushedFile))
	if err != nil {
		t.Fatal(err)
	}
	var p wire.PolicyPush
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("saved push: %v", err)
	}
	return p.Version
}

// checkVersionsInOrder checks that the ledger's entries went through
// versions in the order given and never back: the switch is clean.
func checkVersionsInOrder(t *testing.T, u *Unit, versions ...string) {
	t.Helper()
	es, err := u.Ledger().Entries(context.Background(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	at := 0
	for _, e := range es {
		for at < len(versions) && e.PolicyVersion != versions[at] {
			at++
		}
		if at == len(versions) {
			t.Fatalf("entry seq %d decided under %q, out of the order %v", e.Seq, e.PolicyVersion, versions)
		}
	}
}
