package uplink

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// push is a PolicyPush for the test unit (or, with unit set, another).
func push(version, unit string) wire.PolicyPush {
	return wire.PolicyPush{
		Schema: wire.SchemaVersion, Site: testStatus.Site, Unit: unit, Profile: "community-closed",
		Version: version, Document: "version = \"" + version + "\"\nfacility = \"community\"\nphase = \"closed\"\n",
		IssuedAt: time.Date(2022, 1, 28, 8, 0, 0, 0, time.UTC), IssuedBy: "district-office",
	}
}

func encodePush(t testing.TB, p wire.PolicyPush) []byte {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// publishPolicy publishes payload on the test unit's policy topic through
// the broker's inline client, as the centre would.
func (b *broker) publishPolicy(t testing.TB, unit string, payload []byte, retain bool) {
	t.Helper()
	if err := b.srv.Publish(wire.PolicyTopic(testStatus.Site, unit), payload, retain, wire.QoSPolicy); err != nil {
		t.Fatal(err)
	}
}

// hookInto returns an adjust for startUplink that sends every push the
// uplink hands over into a channel.
func hookInto(got chan<- wire.PolicyPush) func(*Options) {
	return func(o *Options) { o.OnPolicy = func(p wire.PolicyPush) { got <- p } }
}

func nextPush(t *testing.T, got <-chan wire.PolicyPush) wire.PolicyPush {
	t.Helper()
	select {
	case p := <-got:
		return p
	case <-time.After(hangGuard):
		t.Fatal("no policy push handed to the unit")
		return wire.PolicyPush{}
	}
}

// lines is a log sink a test can count messages in.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), msg)
}

func TestUplinkHandsTheRetainedPolicyPushToTheUnitOnEveryConnection(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	b.publishPolicy(t, testStatus.Unit, encodePush(t, push("closed-1", testStatus.Unit)), true)
	got := make(chan wire.PolicyPush, 10)
	u, _ := startUplink(t, newLedger(t), b.url, hookInto(got))

	if p := nextPush(t, got); p.Version != "closed-1" || p.IssuedBy != "district-office" || p.Document == "" {
		t.Fatalf("first connection handed over %+v, want the retained closed-1", p)
	}
	capt.awaitStatus(wire.Online)
	b.cutClient(t, u.opts.ClientID)
	if p := nextPush(t, got); p.Version != "closed-1" {
		t.Fatalf("after a reconnect the unit got %q, want the retained closed-1 again", p.Version)
	}

	b.publishPolicy(t, testStatus.Unit, encodePush(t, push("closed-2", testStatus.Unit)), true)
	if p := nextPush(t, got); p.Version != "closed-2" {
		t.Fatalf("a live push handed over as %q, want closed-2", p.Version)
	}
}

func TestUplinkIgnoresPolicyPushesNotAddressedToItsUnit(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	log := new(lines)
	got := make(chan wire.PolicyPush, 10)
	startUplink(t, newLedger(t), b.url, hookInto(got), func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(log, nil))
	})
	capt.awaitStatus(wire.Online) // the birth follows the subscription

	wrongSchema := push("closed-9", testStatus.Unit)
	wrongSchema.Schema = 99
	noVersion := push("", testStatus.Unit)
	ignored := [][]byte{
		encodePush(t, push("closed-7", "south-gate")), // on this unit's topic, for another
		[]byte("not json"),
		encodePush(t, wrongSchema),
		encodePush(t, noVersion),
	}
	for _, payload := range ignored {
		b.publishPolicy(t, testStatus.Unit, payload, false)
	}
	b.publishPolicy(t, "south-gate", encodePush(t, push("closed-8", "south-gate")), true) // another unit's topic
	b.publishPolicy(t, testStatus.Unit, encodePush(t, push("closed-1", testStatus.Unit)), false)

	// One topic keeps its order, so the good push comes after every bad one.
	if p := nextPush(t, got); p.Version != "closed-1" {
		t.Fatalf("handed over %q, want only closed-1", p.Version)
	}
	if n := log.count("ignored a bad policy push"); n != len(ignored) {
		t.Fatalf("%d bad pushes logged, want %d:\n%s", n, len(ignored), log.buf.String())
	}
	select {
	case p := <-got:
		t.Fatalf("also handed over %q", p.Version)
	default:
	}
}

func TestUplinkKeepsDeliveringWhileTheUnitIsApplyingAPush(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", nil)
	startCollector(t, b.url)
	l := newLedger(t)
	entered := make(chan string, 10)
	release := make(chan struct{})
	defer close(release)
	u, _ := startUplink(t, l, b.url, func(o *Options) {
		o.OnPolicy = func(p wire.PolicyPush) { entered <- p.Version; <-release }
	})
	b.publishPolicy(t, testStatus.Unit, encodePush(t, push("closed-1", testStatus.Unit)), true)
	select {
	case <-entered:
	case <-time.After(hangGuard):
		t.Fatal("push never handed over")
	}

	// The hook is stuck (a slow SD card); acks arrive on paho's router all
	// the same, so the backlog still empties.
	l.addN(t, 20)
	u.Notify()
	l.awaitEmptyBacklog(t)
}

func TestUplinkDoesNotSubscribeToPoliciesWithoutAHook(t *testing.T) {
	capt := newCapture(t)
	b := startBroker(t, "127.0.0.1:0", capt)
	u, _ := startUplink(t, newLedger(t), b.url)
	capt.awaitStatus(wire.Online)
	cl, ok := b.srv.Clients.Get(u.opts.ClientID)
	if !ok {
		t.Fatal("uplink not connected")
	}
	topic := wire.PolicyTopic(testStatus.Site, testStatus.Unit)
	if _, subscribed := cl.State.Subscriptions.Get(topic); subscribed {
		t.Fatalf("subscribed to %s with no OnPolicy to hand pushes to", topic)
	}
}

// FuzzPolicyPush feeds the policy topic's handler what a broken or hostile
// centre might publish. Nothing may panic; the handler hands over exactly
// what wire.DecodePolicyPush accepts for this unit, and the document in it
// parses or fails cleanly.
func FuzzPolicyPush(f *testing.F) {
	docs, _ := filepath.Glob(filepath.Join("..", "..", "configs", "policies", "*.toml"))
	for _, name := range docs {
		doc, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		p := push("from-file", testStatus.Unit)
		p.Document = string(doc)
		f.Add(encodePush(f, p))
	}
	f.Add(encodePush(f, push("closed-1", testStatus.Unit)))
	f.Add(encodePush(f, push("closed-1", "south-gate")))
	f.Add([]byte(`{"schema":1,"site":"sunshine-garden","unit":"north-gate","version":"v","document":"{\"version\":\"v\"}"}`))
	f.Add([]byte(`{"schema":1}`))
	f.Add([]byte(`null`))
	f.Add([]byte{})
	u, err := New(nothingPending{}, Options{Broker: "tcp://127.0.0.1:1", Status: testStatus,
		OnPolicy: func(wire.PolicyPush) {}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		u.policyIn.Store(nil)
		u.onPolicy(nil, message{topic: wire.PolicyTopic(testStatus.Site, testStatus.Unit), payload: b})
		p, err := wire.DecodePolicyPush(b)
		want := err == nil && p.Site == testStatus.Site && p.Unit == testStatus.Unit
		got := u.policyIn.Load()
		if (got != nil) != want {
			t.Fatalf("handed over %v, want %v (decode error %v)", got != nil, want, err)
		}
		if err != nil {
			return
		}
		if pol, err := policy.Parse([]byte(p.Document), "fuzz"); err == nil {
			if err := pol.Validate(); err != nil {
				t.Fatalf("Parse accepted a pushed document Validate rejects: %v", err)
			}
		}
	})
}

// message is a paho message for calling a handler directly.
type message struct {
	topic   string
	payload []byte
}

func (m message) Duplicate() bool   { return false }
func (m message) Qos() byte         { return wire.QoSPolicy }
func (m message) Retained() bool    { return true }
func (m message) Topic() string     { return m.topic }
func (m message) MessageID() uint16 { return 1 }
func (m message) Payload() []byte   { return m.payload }
func (m message) Ack()              {}
