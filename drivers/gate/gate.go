package gate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
)

// Pins names the GPIO outputs; a nil pin is not fitted and its output is
// skipped.
type Pins struct {
	// Relay drives the gate lock or turnstile release: energised opens.
	Relay gpio.PinOut
	// Green, Red and Amber drive the lamps. Without Amber, amber lights
	// Green and Red together (a bicolour LED or stack light shows amber).
	Green, Red, Amber gpio.PinOut
	// Buzzer drives an active buzzer, one that sounds when powered.
	Buzzer gpio.PinOut
}

// Opts configures a Dev. Zero fields take the value in DefaultOpts.
type Opts struct {
	// RelayPulse is how long Allow keeps the gate open (and green lit).
	RelayPulse time.Duration
	// RelayGap is how long the relay drops before re-energising when Allow
	// comes while it is still energised. Zero (the default) keeps it
	// energised, right for a magnetic lock; a turnstile controller that
	// counts pulses needs a gap of some 100 ms to count the next person.
	RelayGap time.Duration
	// BuzzerShort and BuzzerLong are the lengths of a short and a long beep;
	// the gap between short beeps equals a short beep.
	BuzzerShort, BuzzerLong time.Duration
	// Blink is how long Fault's red lamp stays on, then off.
	Blink time.Duration
	// ActiveLow lists the outputs that are on when their pin is low. Most
	// opto-isolated relay boards are: ActiveLow: gate.Relay.
	ActiveLow Output
	// Beeps replaces the buzzer rhythm of the signals it names; the others
	// keep DefaultBeeps. No two signals may sound the same.
	Beeps map[Signal]Beeps
	// Sleep waits d, or until ctx is done and then returns ctx.Err(); nil
	// is the real clock. A simulator or a test replaces it to step through
	// a pattern without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultOpts suits a magnetic lock and active-high outputs.
var DefaultOpts = Opts{
	RelayPulse:  3 * time.Second,
	BuzzerShort: 150 * time.Millisecond,
	BuzzerLong:  time.Second,
	Blink:       500 * time.Millisecond,
}

// Dev drives one gate's relay, lamps and buzzer.
type Dev struct {
	pins [outputCount]gpio.PinOut
	opts Opts
	// sleep waits d or until ctx is done; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	// mu serialises Show and Halt, so only one pattern drives the pins.
	mu  sync.Mutex
	run *run
}

// run is one signal playing in the background.
type run struct {
	cancel context.CancelFunc
	done   chan struct{}
	relay  bool  // whether the relay is energised now
	err    error // the first pin failure; read only after done is closed
}

var _ conn.Resource = &Dev{}

// New returns a Dev after checking opts and driving every fitted output to
// the safe state (relay released, lamps and buzzer off), which also proves
// the pins accept output.
func New(pins Pins, opts *Opts) (*Dev, error) {
	o := DefaultOpts.withDefaults()
	if opts != nil {
		o = opts.withDefaults()
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	d := &Dev{opts: o, sleep: sleepCtx}
	if o.Sleep != nil {
		d.sleep = o.Sleep
	}
	for i, p := range []gpio.PinOut{pins.Relay, pins.Green, pins.Red, pins.Amber, pins.Buzzer} {
		if !isNil(p) {
			d.pins[i] = p
		}
	}
	if d.pins == [outputCount]gpio.PinOut{} {
		return nil, errors.New("gate: no pins fitted: the guard would get no cue")
	}
	if err := d.apply(0); err != nil {
		return nil, fmt.Errorf("gate: safe state: %w", err)
	}
	return d, nil
}

func (d *Dev) String() string {
	var b strings.Builder
	b.WriteString("gate{")
	for i, p := range d.pins {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(outputNames[i] + ": ")
		switch {
		case p == nil:
			b.WriteString("-")
		case d.opts.ActiveLow&(1<<i) != 0:
			b.WriteString(p.String() + " active-low")
		default:
			b.WriteString(p.String())
		}
	}
	return b.String() + "}"
}

// Show puts s on the outputs and returns once they show it; the timed rest
// (the relay pulse, the beeps, the blinking) plays in the background. A
// later Show or Halt ends it at once: the next person never inherits the
// previous person's open gate.
//
// ctx bounds the background part too: when ctx is done, the outputs go to
// the safe state. Pass the unit's lifetime context, not one that ends when
// the caller returns, or the gate will close as soon as it opens.
//
// A ctx that is already done refuses s and leaves the outputs alone. A pin
// failure while the previous signal played is returned here, joined with
// any failure to show s; s is shown all the same.
func (d *Dev) Show(ctx context.Context, s Signal) error {
	if s < Off || s > Fault {
		return fmt.Errorf("gate: unknown signal %d", int(s))
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gate: show %s: %w", s, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	relay, prevErr := d.stop()
	p := patternFor(s, &d.opts, relay)
	if err := d.apply(p.at(0)); err != nil {
		_ = d.apply(0)
		return errors.Join(fmt.Errorf("gate: show %s: %w", s, err), prevErr)
	}
	rctx, cancel := context.WithCancel(ctx)
	r := &run{cancel: cancel, done: make(chan struct{}), relay: p.at(0)&Relay != 0}
	d.run = r
	go d.play(ctx, rctx, r, &p, s)
	return prevErr
}

// Halt ends any signal and drives every output to the safe state: relay
// released (gate locked), lamps and buzzer off.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, prevErr := d.stop()
	if err := d.apply(0); err != nil {
		return errors.Join(fmt.Errorf("gate: halt: %w", err), prevErr)
	}
	return prevErr
}

// stop ends the running signal and waits until it no longer touches the
// pins. It reports whether the relay was left energised and the failure, if
// any, of that signal. d.mu must be held.
func (d *Dev) stop() (relay bool, err error) {
	r := d.run
	if r == nil {
		return false, nil
	}
	d.run = nil
	r.cancel()
	<-r.done
	return r.relay, r.err
}

// play steps through p until it stops changing, a later Show or Halt
// cancels rctx, or the caller's ctx is done.
func (d *Dev) play(ctx, rctx context.Context, r *run, p *pattern, s Signal) {
	defer close(r.done)
	defer r.cancel()
	t := time.Duration(0)
	for {
		next, ok := p.next(t)
		if !ok {
			return
		}
		if err := d.sleep(rctx, next-t); err != nil {
			if ctx.Err() != nil {
				// The caller's context ended, not a newer signal: nobody else
				// will drive the outputs, so leave them safe.
				if err := d.apply(0); err != nil {
					r.err = fmt.Errorf("gate: %s: safe state after %w: %w", s, ctx.Err(), err)
				}
				r.relay = false
			}
			return
		}
		t = next
		on := p.at(t)
		if err := d.apply(on); err != nil {
			r.err = fmt.Errorf("gate: %s at %s: %w", s, t, errors.Join(err, d.apply(0)))
			r.relay = false
			return
		}
		r.relay = on&Relay != 0
	}
}

// apply drives every fitted pin to show on. Amber without its own pin
// lights green and red.
func (d *Dev) apply(on Output) error {
	if on&Amber != 0 && d.pins[index(Amber)] == nil {
		on |= Green | Red
	}
	var errs []error
	for i, p := range d.pins {
		if p == nil {
			continue
		}
		bit := Output(1 << i)
		level := gpio.Level((on&bit != 0) != (d.opts.ActiveLow&bit != 0))
		if err := p.Out(level); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", outputNames[i], p, err))
		}
	}
	return errors.Join(errs...)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isNil catches a typed nil in the interface, such as the *gpiotest.Pin or
// gpio.PinIO a failed lookup returns.
func isNil(p gpio.PinOut) bool {
	if p == nil {
		return true
	}
	v := reflect.ValueOf(p)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// withDefaults fills the zero fields from DefaultOpts, in one place.
func (o Opts) withDefaults() Opts {
	def := DefaultOpts
	o.RelayPulse = cmp.Or(o.RelayPulse, def.RelayPulse)
	o.BuzzerShort = cmp.Or(o.BuzzerShort, def.BuzzerShort)
	o.BuzzerLong = cmp.Or(o.BuzzerLong, def.BuzzerLong)
	o.Blink = cmp.Or(o.Blink, def.Blink)
	// A copy, so the caller's map is never written to.
	beeps := maps.Clone(DefaultBeeps)
	maps.Copy(beeps, o.Beeps)
	o.Beeps = beeps
	return o
}

// Validate reports every problem with o, as New would, without touching
// any pin: a config loader checks the rhythms before the unit starts.
func (o Opts) Validate() error {
	return o.withDefaults().validate()
}

// validate reports every problem at once, each naming its field.
func (o Opts) validate() error {
	var errs []error
	check := func(name string, v, lo, hi time.Duration) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s %s: want %s to %s", name, v, lo, hi))
		}
	}
	check("RelayPulse", o.RelayPulse, 50*time.Millisecond, time.Minute)
	check("RelayGap", o.RelayGap, 0, time.Second)
	check("BuzzerShort", o.BuzzerShort, 20*time.Millisecond, time.Second)
	check("BuzzerLong", o.BuzzerLong, 20*time.Millisecond, 5*time.Second)
	check("Blink", o.Blink, 50*time.Millisecond, 5*time.Second)
	if o.ActiveLow >= 1<<outputCount {
		errs = append(errs, fmt.Errorf("ActiveLow %#x: unknown outputs", uint8(o.ActiveLow)))
	}
	for s := range o.Beeps {
		if s <= Off || s > Fault {
			errs = append(errs, fmt.Errorf("Beeps: %s has no rhythm: only Allow to Fault beep", s))
		}
	}
	errs = append(errs, o.beepsProblems()...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gate: %w", err)
	}
	return nil
}
