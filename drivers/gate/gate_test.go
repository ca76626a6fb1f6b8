package gate

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

const ms = time.Millisecond

// stepper replaces the clock: each sleep is announced on asked and lasts
// until the test sends on release, so no test waits for real time.
type stepper struct {
	asked   chan time.Duration
	release chan struct{}
}

func newStepper() *stepper {
	return &stepper{asked: make(chan time.Duration), release: make(chan struct{})}
}

func (s *stepper) sleep(ctx context.Context, d time.Duration) error {
	select {
	case s.asked <- d:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// rig is a Dev on gpiotest pins with a stepper for its clock.
type rig struct {
	t    *testing.T
	dev  *Dev
	step *stepper
	pins [outputCount]*gpiotest.Pin
}

// newRig fits the outputs in fitted, with the given options.
func newRig(t *testing.T, fitted Output, opts *Opts) *rig {
	t.Helper()
	r := &rig{t: t, step: newStepper()}
	var ps [outputCount]gpio.PinOut
	for i, name := range outputNames {
		if fitted&(1<<i) != 0 {
			r.pins[i] = &gpiotest.Pin{N: name, Num: i}
			ps[i] = r.pins[i]
		}
	}
	dev, err := New(Pins{Relay: ps[0], Green: ps[1], Red: ps[2], Amber: ps[3], Buzzer: ps[4]}, opts)
	if err != nil {
		t.Fatal(err)
	}
	dev.sleep = r.step.sleep
	r.dev = dev
	t.Cleanup(func() { _ = dev.Halt() })
	return r
}

// on reads the pins back as the outputs that are on, undoing active-low.
func (r *rig) on() Output {
	var on Output
	for i, p := range r.pins {
		bit := Output(1 << i)
		if p != nil && p.Read() != (r.dev.opts.ActiveLow&bit != 0) {
			on |= bit
		}
	}
	return on
}

// done returns a channel closed when the current signal stops playing.
func (r *rig) done() <-chan struct{} {
	r.dev.mu.Lock()
	defer r.dev.mu.Unlock()
	if r.dev.run == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return r.dev.run.done
}

type sample struct {
	at time.Duration
	on Output
}

// play shows s and records the outputs at every step of its timeline, until
// the signal ends or max samples are taken.
func (r *rig) play(s Signal, max int) []sample {
	r.t.Helper()
	if err := r.dev.Show(context.Background(), s); err != nil {
		r.t.Fatal(err)
	}
	return r.follow(max)
}

func (r *rig) follow(max int) []sample {
	var got []sample
	now := time.Duration(0)
	done := r.done()
	for {
		select {
		case d := <-r.step.asked:
			got = append(got, sample{now, r.on()})
			if len(got) == max {
				return got
			}
			now += d
			r.step.release <- struct{}{}
		case <-done:
			return append(got, sample{now, r.on()})
		}
	}
}

func TestShowDrivesOutputsOverTime(t *testing.T) {
	all := Relay | Green | Red | Amber | Buzzer
	noAmber := Relay | Green | Red | Buzzer
	tests := []struct {
		name   string
		fitted Output
		signal Signal
		max    int
		want   []sample
	}{
		{"allow opens for the pulse with one short beep", all, Allow, 0, []sample{
			{0, Relay | Green | Buzzer}, {150 * ms, Relay | Green}, {3000 * ms, 0}}},
		{"recheck lights amber with two short beeps", all, Recheck, 0, []sample{
			{0, Amber | Buzzer}, {150 * ms, Amber}, {300 * ms, Amber | Buzzer}, {450 * ms, Amber}}},
		{"register without an amber pin lights green and red, short then long", noAmber, Register, 0, []sample{
			{0, Green | Red | Buzzer}, {150 * ms, Green | Red}, {300 * ms, Green | Red | Buzzer}, {1300 * ms, Green | Red}}},
		{"wait is amber with a slow pulse of three", all, Wait, 0, []sample{
			{0, Amber | Buzzer}, {150 * ms, Amber}, {1150 * ms, Amber | Buzzer}, {1300 * ms, Amber},
			{2300 * ms, Amber | Buzzer}, {2450 * ms, Amber}}},
		{"deny lights red with two long beeps", all, Deny, 0, []sample{
			{0, Red | Buzzer}, {1000 * ms, Red}, {1150 * ms, Red | Buzzer}, {2150 * ms, Red}}},
		{"refer is red with three long beeps", all, Refer, 0, []sample{
			{0, Red | Buzzer}, {1000 * ms, Red}, {1150 * ms, Red | Buzzer}, {2150 * ms, Red},
			{2300 * ms, Red | Buzzer}, {3300 * ms, Red}}},
		{"persuade to return is red with long, short, short", all, PersuadeReturn, 0, []sample{
			{0, Red | Buzzer}, {1000 * ms, Red}, {1150 * ms, Red | Buzzer}, {1300 * ms, Red},
			{1450 * ms, Red | Buzzer}, {1600 * ms, Red}}},
		{"fault blinks red after three short beeps", all, Fault, 9, []sample{
			{0, Red | Buzzer}, {150 * ms, Red}, {300 * ms, Red | Buzzer}, {450 * ms, Red},
			{500 * ms, 0}, {600 * ms, Buzzer}, {750 * ms, 0}, {1000 * ms, Red}, {1500 * ms, 0}}},
		{"off is the safe state", all, Off, 0, []sample{{0, 0}}},
		{"a lamp-only gate shows allow without a relay", Green | Red, Allow, 0, []sample{
			{0, Green}, {150 * ms, Green}, {3000 * ms, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.fitted, nil)
			got := r.play(tt.signal, tt.max)
			if !equalSamples(got, tt.want) {
				t.Errorf("timeline\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func equalSamples(a, b []sample) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestActiveLowOutputsAreLowWhenOn(t *testing.T) {
	r := newRig(t, Relay|Green|Red|Buzzer, &Opts{ActiveLow: Relay | Buzzer})
	relay, green, buzzer := r.pins[index(Relay)], r.pins[index(Green)], r.pins[index(Buzzer)]
	if relay.Read() != gpio.High || buzzer.Read() != gpio.High || green.Read() != gpio.Low {
		t.Fatalf("after New: relay %s buzzer %s green %s, want High High Low (all off)", relay.Read(), buzzer.Read(), green.Read())
	}
	if err := r.dev.Show(context.Background(), Allow); err != nil {
		t.Fatal(err)
	}
	if relay.Read() != gpio.Low || buzzer.Read() != gpio.Low || green.Read() != gpio.High {
		t.Fatalf("showing Allow: relay %s buzzer %s green %s, want Low Low High (all on)", relay.Read(), buzzer.Read(), green.Read())
	}
	if err := r.dev.Halt(); err != nil {
		t.Fatal(err)
	}
	if relay.Read() != gpio.High || buzzer.Read() != gpio.High || green.Read() != gpio.Low {
		t.Fatalf("after Halt: relay %s buzzer %s green %s, want High High Low (all off)", relay.Read(), buzzer.Read(), green.Read())
	}
}

func TestHaltLocksTheGateMidPulse(t *testing.T) {
	r := newRig(t, Relay|Green|Red|Amber|Buzzer, &Opts{ActiveLow: Relay})
	got := r.play(Allow, 1)
	if got[0].on != Relay|Green|Buzzer {
		t.Fatalf("at start %s, want relay+green+buzzer", got[0].on)
	}
	if err := r.dev.Halt(); err != nil {
		t.Fatal(err)
	}
	if on := r.on(); on != 0 {
		t.Errorf("after Halt %s on, want none", on)
	}
	if r.pins[index(Relay)].Read() != gpio.High {
		t.Error("active-low relay pin is Low after Halt: the gate is open")
	}
	select {
	case d := <-r.step.asked:
		t.Errorf("the halted signal still runs: it asked to sleep %s", d)
	default:
	}
}

func TestNewSignalClosesThePreviousPersonsGate(t *testing.T) {
	r := newRig(t, Relay|Green|Red|Amber|Buzzer, nil)
	r.play(Allow, 2) // stops at 150 ms, with the gate open
	if err := r.dev.Show(context.Background(), Deny); err != nil {
		t.Fatal(err)
	}
	if on := r.on(); on != Red|Buzzer {
		t.Fatalf("right after Show(Deny) %s on, want red+buzzer and the relay released", on)
	}
	got := r.follow(0)
	want := []sample{{0, Red | Buzzer}, {1000 * ms, Red}, {1150 * ms, Red | Buzzer}, {2150 * ms, Red}}
	if !equalSamples(got, want) {
		t.Errorf("deny after allow\n got %v\nwant %v (the allow's timeline must not resume)", got, want)
	}
}

func TestAllowDuringAllowDropsTheRelayForTheGap(t *testing.T) {
	r := newRig(t, Relay|Green|Buzzer, &Opts{RelayGap: 100 * ms})
	r.play(Allow, 2)
	got := r.play(Allow, 0)
	want := []sample{
		{0, Green | Buzzer}, {100 * ms, Relay | Green | Buzzer}, {150 * ms, Relay | Green}, {3100 * ms, 0}}
	if !equalSamples(got, want) {
		t.Errorf("second allow\n got %v\nwant %v", got, want)
	}
	// Once the relay has dropped, the next Allow needs no gap.
	got = r.play(Allow, 1)
	if got[0].on != Relay|Green|Buzzer {
		t.Errorf("allow after a closed gate starts with %s, want relay+green+buzzer", got[0].on)
	}
}

func TestCallerContextEndLeavesTheSafeState(t *testing.T) {
	r := newRig(t, Relay|Green|Red|Buzzer, &Opts{ActiveLow: Relay})
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.dev.Show(ctx, Allow); err != nil {
		t.Fatal(err)
	}
	<-r.step.asked
	cancel()
	<-r.done()
	if on := r.on(); on != 0 {
		t.Errorf("after the caller's context ended %s on, want none", on)
	}
	if err := r.dev.Show(ctx, Allow); !errors.Is(err, context.Canceled) {
		t.Errorf("Show with a done context: %v, want context.Canceled", err)
	}
	if on := r.on(); on != 0 {
		t.Errorf("a refused Show turned on %s", on)
	}
}

// failingPin is a gpiotest.Pin whose writes fail once broken is set, like a
// GPIO chip that went away.
type failingPin struct {
	gpiotest.Pin
	mu     sync.Mutex
	broken bool
}

func (p *failingPin) Out(l gpio.Level) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.broken {
		return errors.New("write failed")
	}
	return p.Pin.Out(l)
}

func TestPinFailureInTheBackgroundIsReportedByHalt(t *testing.T) {
	buzzer := &failingPin{Pin: gpiotest.Pin{N: "buzzer"}}
	relay := &gpiotest.Pin{N: "relay"}
	dev, err := New(Pins{Relay: relay, Buzzer: buzzer}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := newStepper()
	dev.sleep = st.sleep
	if err := dev.Show(context.Background(), Allow); err != nil {
		t.Fatal(err)
	}
	<-st.asked
	buzzer.mu.Lock()
	buzzer.broken = true
	buzzer.mu.Unlock()
	st.release <- struct{}{}
	err = dev.Halt()
	if err == nil || !strings.Contains(err.Error(), "Allow at 150ms") || !strings.Contains(err.Error(), "write failed") {
		t.Fatalf("Halt: %v, want the Allow failure at 150ms", err)
	}
	if relay.Read() != gpio.Low {
		t.Error("relay still energised after a pin failure")
	}
}

func TestNewRefusesBadConfiguration(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO17"}
	var typedNil *gpiotest.Pin
	tests := []struct {
		name string
		pins Pins
		opts *Opts
		want string
	}{
		{"no pins", Pins{}, nil, "no pins fitted"},
		{"only a typed nil pin", Pins{Relay: typedNil}, nil, "no pins fitted"},
		{"pulse too short", Pins{Relay: pin}, &Opts{RelayPulse: ms}, "RelayPulse 1ms"},
		{"negative beep", Pins{Relay: pin}, &Opts{BuzzerShort: -ms}, "BuzzerShort -1ms"},
		{"every problem at once", Pins{Relay: pin}, &Opts{RelayGap: 2 * time.Second, Blink: time.Hour}, "Blink 1h0m0s"},
		{"unknown active-low output", Pins{Relay: pin}, &Opts{ActiveLow: 1 << 7}, "ActiveLow 0x80"},
		{"a pin that refuses output", Pins{Relay: gpio.INVALID}, nil, "safe state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := New(tt.pins, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "gate: ") {
				t.Fatalf("New = %v, %v; want an error containing %q", d, err, tt.want)
			}
		})
	}
}

func TestShowRefusesAnUnknownSignal(t *testing.T) {
	r := newRig(t, Relay, nil)
	if err := r.dev.Show(context.Background(), Fault+1); err == nil {
		t.Fatal("Show(Signal(8)) succeeded")
	}
}

func TestStringNamesEveryOutput(t *testing.T) {
	r := newRig(t, Relay|Green|Buzzer, &Opts{ActiveLow: Relay})
	want := "gate{relay: relay(0) active-low, green: green(1), red: -, amber: -, buzzer: buzzer(4)}"
	if got := r.dev.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// BenchmarkShow measures what a decision costs the lane: stopping the last
// signal and driving five pins.
func BenchmarkShow(b *testing.B) {
	var ps [outputCount]*gpiotest.Pin
	for i := range ps {
		ps[i] = &gpiotest.Pin{N: outputNames[i]}
	}
	dev, err := New(Pins{ps[0], ps[1], ps[2], ps[3], ps[4]}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Halt()
	ctx := context.Background()
	signals := []Signal{Allow, Deny, Recheck}
	i := 0
	for b.Loop() {
		if err := dev.Show(ctx, signals[i%len(signals)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
