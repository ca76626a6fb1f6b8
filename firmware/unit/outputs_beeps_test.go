package unit

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/gate"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// buzzerLog records what the guard hears: the buzzer going on and off,
// and every wait of the gate's clock in between, in order.
type buzzerLog struct {
	mu     sync.Mutex
	events []string
	on     bool
	// release, when set, holds each wait until the test sends on it, so a
	// test can bring in the next decision while a rhythm still sounds.
	release chan struct{}
}

func (l *buzzerLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, s)
}

func (l *buzzerLog) read() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// pin is the buzzer's GPIO: it logs a change of level, not a rewrite.
type loggedBuzzer struct {
	gpiotest.Pin
	log *buzzerLog
}

func (p *loggedBuzzer) Out(level gpio.Level) error {
	p.log.mu.Lock()
	changed := p.log.on != bool(level)
	p.log.on = bool(level)
	p.log.mu.Unlock()
	if changed {
		p.log.add(map[gpio.Level]string{gpio.High: "on", gpio.Low: "off"}[level])
	}
	return p.Pin.Out(level)
}

// sleep is the gate's clock: it logs the wait and returns at once, or when
// released.
func (l *buzzerLog) sleep(ctx context.Context, d time.Duration) error {
	l.add(d.String())
	if l.release == nil {
		return ctx.Err()
	}
	select {
	case <-l.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// buzzerLane runs the unit's outputs on a gate with a relay, the lamps and
// a logged buzzer, on the logged clock.
func buzzerLane(t *testing.T, l *buzzerLog) *outputs {
	t.Helper()
	pins := gate.Pins{Relay: &gpiotest.Pin{N: "relay"}, Green: &gpiotest.Pin{N: "green"},
		Red: &gpiotest.Pin{N: "red"}, Amber: &gpiotest.Pin{N: "amber"}, Buzzer: &loggedBuzzer{Pin: gpiotest.Pin{N: "buzzer"}, log: l}}
	g, err := gate.New(pins, &gate.Opts{Sleep: l.sleep})
	if err != nil {
		t.Fatal(err)
	}
	o := &outputs{gate: g, latest: make(chan wire.Entry, 1), log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	go o.run(ctx)
	t.Cleanup(func() { cancel(); _ = g.Halt() })
	return o
}

// awaitLog waits until the log reads want, and fails if it went past it.
func awaitLog(t *testing.T, l *buzzerLog, want []string) {
	t.Helper()
	testenv.Await(t, fmt.Sprintf("the buzzer to play %v", want), 10*time.Second, func() bool {
		return len(l.read()) >= len(want)
	})
	if got := l.read(); !slices.Equal(got, want) {
		t.Fatalf("buzzer\n got %v\nwant %v", got, want)
	}
}

// Each decision has its own rhythm (firmware/README.md "Gate outputs"):
// the exact on/off sequence and the waits between, as the guard hears it.
func TestEveryDecisionSoundsItsOwnRhythmOnTheBuzzer(t *testing.T) {
	tests := []struct {
		decision wire.Decision
		want     []string
	}{
		{wire.Allow, []string{"on", "150ms", "off", "2.85s"}}, // the rest of the relay pulse
		{wire.Recheck, []string{"on", "150ms", "off", "150ms", "on", "150ms", "off"}},
		{wire.Register, []string{"on", "150ms", "off", "150ms", "on", "1s", "off"}},
		{wire.Wait, []string{"on", "150ms", "off", "1s", "on", "150ms", "off", "1s", "on", "150ms", "off"}},
		{wire.Deny, []string{"on", "1s", "off", "150ms", "on", "1s", "off"}},
		{wire.Refer, []string{"on", "1s", "off", "150ms", "on", "1s", "off", "150ms", "on", "1s", "off"}},
		{wire.PersuadeReturn, []string{"on", "1s", "off", "150ms", "on", "150ms", "off", "150ms", "on", "150ms", "off"}},
	}
	heard := map[string]wire.Decision{}
	for _, tt := range tests {
		t.Run(string(tt.decision), func(t *testing.T) {
			l := &buzzerLog{}
			o := buzzerLane(t, l)
			o.show(wire.Entry{Decision: tt.decision})
			awaitLog(t, l, tt.want)
			// Halt waits for the rhythm's end: nothing more was played.
			if err := o.gate.Halt(); err != nil {
				t.Fatal(err)
			}
			if got := l.read(); !slices.Equal(got, tt.want) {
				t.Fatalf("after the rhythm: %v, want %v", got, tt.want)
			}
		})
		key := fmt.Sprint(tt.want)
		if other, ok := heard[key]; ok {
			t.Errorf("%s sounds like %s", tt.decision, other)
		}
		heard[key] = tt.decision
	}
}

// A busy lane: the next person is decided while the last one's rhythm
// still sounds. The new rhythm starts at once from its beginning and
// nothing of the old one follows it.
func TestANewDecisionCutsTheRhythmStillSounding(t *testing.T) {
	l := &buzzerLog{release: make(chan struct{})}
	o := buzzerLane(t, l)
	o.show(wire.Entry{Decision: wire.Refer})
	awaitLog(t, l, []string{"on", "1s"})
	l.release <- struct{}{}
	awaitLog(t, l, []string{"on", "1s", "off", "150ms"}) // between refer's first and second beep
	o.show(wire.Entry{Decision: wire.Allow})
	cut := []string{"on", "1s", "off", "150ms", "on", "150ms"}
	awaitLog(t, l, cut)
	l.release <- struct{}{}
	awaitLog(t, l, append(cut, "off", "2.85s"))
	l.release <- struct{}{}
	if err := o.gate.Halt(); err != nil {
		t.Fatal(err)
	}
	if got, want := l.read(), append(cut, "off", "2.85s"); !slices.Equal(got, want) {
		t.Fatalf("refer cut by allow\n got %v\nwant %v (refer's last two beeps must not follow)", got, want)
	}
}

func TestEveryDecisionHasASignalOfItsOwn(t *testing.T) {
	seen := map[gate.Signal]wire.Decision{}
	for d := range headlines {
		s := signalFor(d)
		if other, ok := seen[s]; ok {
			t.Errorf("%s and %s both show %s", d, other, s)
		}
		seen[s] = d
	}
}

// The console's browser plays the buzzer's default rhythms (sound.js keeps
// its own copy, as the page cannot ask the gate): they must not drift.
func TestTheConsoleSoundsTheBuzzersDefaultRhythms(t *testing.T) {
	js, err := os.ReadFile(filepath.Join("..", "console", "web", "sound.js"))
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`const rhythms = \{([^}]*)\}`).FindSubmatch(js)
	if line == nil {
		t.Fatal("sound.js has no `const rhythms = {…}`")
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`(\w+): "([^"]*)"`).FindAllSubmatch(line[1], -1) {
		got[string(m[1])] = string(m[2])
	}
	for d := range headlines {
		if want := string(gate.DefaultBeeps[signalFor(d)]); got[string(d)] != want {
			t.Errorf("sound.js plays %s as %q, the buzzer as %q", d, got[string(d)], want)
		}
	}
	if len(got) != len(headlines) {
		t.Errorf("sound.js has rhythms for %d decisions, want %d: %v", len(got), len(headlines), got)
	}
}
