package idcard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/internal/testenv"
)

// patience bounds every wait in these tests. It guards against hangs; no
// test asserts that anything happens faster than this.
const patience = 15 * time.Second

// fastOpts poll quickly so the tests do not idle; nothing depends on it.
var fastOpts = Options{PollInterval: 10 * time.Millisecond, CommandTimeout: 2 * time.Second}

// bench is a simulated module and a Reader joined by an in-memory
// full-duplex pipe, with Run going and every card it reports recorded.
type bench struct {
	t      *testing.T
	sim    *Sim
	reader *Reader
	module net.Conn // the simulator's end; closing it unplugs the reader

	mu     sync.Mutex
	found  []Card
	runErr chan error
}

func newBench(t *testing.T, opts Options) *bench {
	t.Helper()
	host, module := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	b := &bench{t: t, sim: NewSim(), reader: New(host, opts), module: module, runErr: make(chan error, 1)}
	served := make(chan struct{})
	go func() { defer close(served); _ = b.sim.Serve(ctx, module) }()
	t.Cleanup(func() {
		cancel()
		_ = b.reader.Close()
		<-served
	})
	return b
}

func (b *bench) run() {
	go func() {
		b.runErr <- b.reader.Run(context.Background(), func(c Card) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.found = append(b.found, c)
		})
	}()
}

func (b *bench) foundCards() []Card {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Card(nil), b.found...)
}

func (b *bench) awaitFound(n int) {
	b.t.Helper()
	testenv.Await(b.t, fmt.Sprintf("found() called %d times", n), patience, func() bool { return len(b.foundCards()) >= n })
}

// awaitReads waits until the simulator has answered n more card reads.
func (b *bench) awaitReads(more int) {
	b.t.Helper()
	n := b.sim.Reads() + more
	testenv.Await(b.t, "more card reads", patience, func() bool { return b.sim.Reads() >= n })
}

// awaitMisses waits until the reader has been told "no card" n more times.
func (b *bench) awaitMisses(more int) {
	b.t.Helper()
	n := b.sim.missCount() + more
	testenv.Await(b.t, "finds with no card", patience, func() bool { return b.sim.missCount() >= n })
}

func (s *Sim) servedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

func (s *Sim) missCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.misses
}

func TestRunReportsACardOnceWhileItLiesOnTheReader(t *testing.T) {
	b := newBench(t, fastOpts)
	b.run()
	cards := SampleCards()
	b.sim.Place(cards[0])
	b.awaitFound(1)
	b.awaitReads(3) // read again and again while it lies there
	if got := b.foundCards(); len(got) != 1 || got[0] != cards[0] {
		t.Fatalf("found %+v, want the card once", got)
	}

	b.sim.Lift()
	b.awaitMisses(1)
	b.sim.Place(cards[0]) // the same card placed again is a new placement
	b.awaitFound(2)

	b.sim.Place(cards[1]) // swapped without a find failing in between
	b.awaitFound(3)
	if got := b.foundCards(); got[1] != cards[0] || got[2] != cards[1] {
		t.Errorf("found %+v", got)
	}
}

func TestRunKeepsGoingAfterACardIsLiftedMidRead(t *testing.T) {
	b := newBench(t, fastOpts)
	b.sim.Inject(FaultLiftMidRead)
	b.sim.Place(SampleCards()[0])
	b.run()
	b.awaitMisses(1) // the read failed and the card is gone
	if got := b.foundCards(); len(got) != 0 {
		t.Fatalf("found %+v from a failed read", got)
	}
	b.sim.Place(SampleCards()[0])
	b.awaitFound(1)
}

func TestRunReadsThroughLineNoiseAndBadFrames(t *testing.T) {
	b := newBench(t, fastOpts)
	for _, f := range []Fault{FaultGarbage, FaultChecksum, FaultReadFailed, FaultGarbage, FaultChecksum} {
		b.sim.Inject(f)
	}
	b.sim.Place(SampleCards()[2])
	b.run()
	b.awaitFound(1)
	b.awaitReads(2)
	if got := b.foundCards(); len(got) != 1 || got[0] != SampleCards()[2] {
		t.Errorf("found %+v, want the card once", got)
	}
}

func TestReadOnceTimesOutOnASilentModuleThenWorks(t *testing.T) {
	b := newBench(t, Options{CommandTimeout: 100 * time.Millisecond})
	b.sim.Inject(FaultSilent)
	if _, err := b.reader.ReadOnce(context.Background()); !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if _, err := b.reader.ReadOnce(context.Background()); !errors.Is(err, ErrNoCard) {
		t.Fatalf("got %v, want ErrNoCard", err)
	}
	b.sim.Place(SampleCards()[1])
	c, err := b.reader.ReadOnce(context.Background())
	if err != nil || c != SampleCards()[1] {
		t.Errorf("got %+v, %v", c, err)
	}
}

// A module slower than the timeout answers late; each late answer is
// refused as not fitting the command it arrives under, and once the
// module is quick again the card is read.
func TestRunRecoversFromASlowModule(t *testing.T) {
	b := newBench(t, Options{PollInterval: 10 * time.Millisecond, CommandTimeout: 100 * time.Millisecond})
	b.sim.SetDelay(150 * time.Millisecond)
	b.sim.Place(SampleCards()[0])
	b.run()
	n := b.sim.servedCount() + 4
	testenv.Await(t, "commands answered late", patience, func() bool { return b.sim.servedCount() >= n })
	b.sim.SetDelay(0)
	b.awaitFound(1)
	b.awaitReads(2)
	if got := b.foundCards(); len(got) != 1 {
		t.Errorf("found %d cards, want 1", len(got))
	}
}

func TestReadOnceRefusesAForgedCard(t *testing.T) {
	b := newBench(t, fastOpts)
	c := SampleCards()[0]
	c.Number = "990101198503120011" // check digit off by one
	b.sim.Place(c)
	if _, err := b.reader.ReadOnce(context.Background()); err == nil || !strings.Contains(err.Error(), "check digit") {
		t.Errorf("got %v, want a check digit error", err)
	}
}

func TestRunReturnsWhenTheReaderIsUnplugged(t *testing.T) {
	b := newBench(t, fastOpts)
	b.run()
	b.sim.Place(SampleCards()[0])
	b.awaitFound(1)
	_ = b.module.Close()
	select {
	case err := <-b.runErr:
		if !errors.Is(err, ErrUnplugged) {
			t.Errorf("Run: %v, want ErrUnplugged", err)
		}
	case <-time.After(patience):
		t.Fatal("Run did not return after the stream failed")
	}
	if st := b.reader.State(); st.Connected || st.Err == nil {
		t.Errorf("state %+v, want unplugged with a reason", st)
	}
	if _, err := b.reader.ReadOnce(context.Background()); !errors.Is(err, ErrUnplugged) {
		t.Errorf("ReadOnce after unplugging: %v", err)
	}
}

func TestRunReturnsOnCloseAndOnContextEnd(t *testing.T) {
	b := newBench(t, fastOpts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.reader.Run(ctx, func(Card) {}) }()
	b.awaitMisses(1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel: %v", err)
	}
	b.run()
	b.awaitMisses(1)
	if err := b.reader.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-b.runErr; !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close: %v", err)
	}
}

func TestSeveralCallersShareOneReader(t *testing.T) {
	b := newBench(t, fastOpts)
	b.sim.Place(SampleCards()[3])
	b.run()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				if _, err := b.reader.SAMID(context.Background()); err != nil {
					t.Errorf("SAMID: %v", err)
				}
			}
		})
	}
	wg.Wait()
	b.awaitFound(1)
}

func TestSAMIDNamesTheModule(t *testing.T) {
	b := newBench(t, fastOpts)
	id, err := b.reader.SAMID(context.Background())
	if err != nil || len(id) != 32 {
		t.Errorf("got %q, %v", id, err)
	}
}

func TestOptionsValidateReportsEveryProblem(t *testing.T) {
	err := Options{Baud: 12345, Parity: "mark", PollInterval: time.Hour, CommandTimeout: time.Millisecond, StopBits: 3}.Validate()
	for _, want := range []string{"baud 12345", "parity \"mark\"", "poll interval", "command timeout", "stop bits 3"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v, want it to mention %q", err, want)
		}
	}
	if err := (Options{}).Validate(); err != nil {
		t.Errorf("zero options: %v", err)
	}
	if _, err := Open("", Options{}); err == nil {
		t.Error("Open with no port succeeded")
	}
}

func TestOpenOfAnAbsentReaderSaysWhyAndRunKeepsTrying(t *testing.T) {
	r, err := Open(t.TempDir()+"/no-such-tty", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if st := r.State(); st.Connected || st.Err == nil {
		t.Errorf("state %+v, want unplugged with a reason", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := r.Run(ctx, func(Card) {}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run: %v, want it to keep trying until ctx ends", err)
	}
}

func TestRunTellsOfAForgedCardOncePerPlacementAndNeverFindsIt(t *testing.T) {
	var mu sync.Mutex
	var refused []error
	opts := fastOpts
	opts.Refused = func(err error) { mu.Lock(); refused = append(refused, err); mu.Unlock() }
	b := newBench(t, opts)
	forged := SampleCards()[0]
	forged.Number = "990101198503120011"
	b.sim.Place(forged)
	b.run()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(refused) }
	testenv.Await(t, "the forged card refused", patience, func() bool { return count() == 1 })
	b.awaitReads(3)               // read and refused again while it lies there
	b.sim.Place(SampleCards()[0]) // swapped for a genuine card
	b.awaitFound(1)
	b.sim.Lift()
	b.awaitMisses(1)
	b.sim.Place(forged)
	testenv.Await(t, "the forged card placed again refused again", patience, func() bool { return count() == 2 })
	mu.Lock()
	defer mu.Unlock()
	if !errors.Is(refused[0], ErrBadCard) || !strings.Contains(refused[0].Error(), "check digit") {
		t.Errorf("refused with %v", refused[0])
	}
	if got := b.foundCards(); len(got) != 1 {
		t.Errorf("found %+v, want only the genuine card", got)
	}
}

func TestNegativeDurationsAreRefusedByValidateAndDefaultedByNew(t *testing.T) {
	bad := Options{PollInterval: -time.Second, CommandTimeout: -1}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("Validate: %v", err)
	}
	host, _ := net.Pipe()
	r := New(host, bad)
	defer r.Close()
	if r.opts.PollInterval != DefaultOptions.PollInterval || r.opts.CommandTimeout != DefaultOptions.CommandTimeout {
		t.Errorf("New kept %v and %v", r.opts.PollInterval, r.opts.CommandTimeout)
	}
}

func TestBaseTextRefusesLengthsTheDataCannotHold(t *testing.T) {
	good := baseInfo(SampleCards()[0])
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"no lengths", good[:3]},
		{"a text length other than 256", append([]byte{0x01, 0x01}, good[2:]...)},
		{"a photo longer than the frame", append([]byte{0x01, 0x00, 0xFF, 0xFF}, good[4:]...)},
		{"the text cut short", good[:200]},
	} {
		if _, err := baseText(tc.data); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if text, err := baseText(good); err != nil || len(text) != TextLen {
		t.Errorf("a genuine answer: %d bytes, %v", len(text), err)
	}
}
