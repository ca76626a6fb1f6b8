package gate

import (
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Signal is what the gate tells the person in front of it. The caller maps
// each wire decision to one (docs/product.md "Outcomes are not just yes/no"); the
// gate knows only lamps, a buzzer and a lock.
type Signal int

// The signals, with what each does. Each has a rhythm of its own on the
// buzzer (DefaultBeeps, or Opts.Beeps); see the package documentation for
// the table of lamps and beeps.
const (
	// Off puts every output in the safe state, like Halt.
	Off Signal = iota
	// Allow lights green and pulses the relay.
	Allow
	// Recheck, Register and Wait light amber; the gate stays locked while
	// the guard deals with the person.
	Recheck
	Register
	Wait
	// Deny, Refer and PersuadeReturn light red.
	Deny
	Refer
	PersuadeReturn
	// Sampling lights amber: the person goes to the sampling point and
	// comes back (hold for sampling); the gate stays locked.
	Sampling
	// Fault blinks red: the checkpoint itself needs the guard (a sensor
	// failed, the entry could not be logged).
	Fault
)

var signalNames = [...]string{"Off", "Allow", "Recheck", "Register", "Wait", "Deny", "Refer", "PersuadeReturn", "Sampling", "Fault"}

func (s Signal) String() string {
	if s < 0 || int(s) >= len(signalNames) {
		return "Signal(" + strconv.Itoa(int(s)) + ")"
	}
	return signalNames[s]
}

// Output is a set of the gate's outputs, one bit each.
type Output uint8

// The outputs. Amber is a logical lamp: without an amber pin it lights green
// and red together.
const (
	Relay Output = 1 << iota
	Green
	Red
	Amber
	Buzzer

	outputCount = 5
)

var outputNames = [outputCount]string{"relay", "green", "red", "amber", "buzzer"}

func (o Output) String() string {
	if o == 0 {
		return "none"
	}
	var names []string
	for i, n := range outputNames {
		if o&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, "+")
}

// track is one output's level over time: on at the start when on is set,
// toggled at each edge (measured from the start), and after the last edge
// toggled every period forever when period is set (a blinking lamp).
type track struct {
	on     bool
	edges  []time.Duration
	period time.Duration
}

// at reports whether the output is on at elapsed time t.
func (k track) at(t time.Duration) bool {
	on := k.on
	last := time.Duration(0)
	for _, e := range k.edges {
		if e > t {
			return on
		}
		on, last = !on, e
	}
	if k.period > 0 && t >= last {
		if (t-last)/k.period%2 == 1 {
			on = !on
		}
	}
	return on
}

// next returns the first edge strictly after t, or false when the level
// never changes again.
func (k track) next(t time.Duration) (time.Duration, bool) {
	last := time.Duration(0)
	for _, e := range k.edges {
		if e > t {
			return e, true
		}
		last = e
	}
	if k.period <= 0 {
		return 0, false
	}
	return last + ((t-last)/k.period+1)*k.period, true
}

// pattern is every output's track for one signal; a missing track is off.
type pattern [outputCount]track

// at returns the outputs that are on at elapsed time t.
func (p *pattern) at(t time.Duration) Output {
	var on Output
	for i, k := range p {
		if k.at(t) {
			on |= 1 << i
		}
	}
	return on
}

// next returns the earliest edge of any output after t.
func (p *pattern) next(t time.Duration) (time.Duration, bool) {
	var best time.Duration
	found := false
	for _, k := range p {
		if e, ok := k.next(t); ok && (!found || e < best) {
			best, found = e, true
		}
	}
	return best, found
}

// index is the position of the single output o in a pattern or pin array.
func index(o Output) int {
	return bits.TrailingZeros8(uint8(o))
}

func (p *pattern) set(o Output, k track) {
	for i := range p {
		if o&(1<<i) != 0 {
			p[i] = k
		}
	}
}

// patternFor builds the timeline of s. reopen is set when the relay is still
// energised from the previous Allow: it is released for RelayGap first, so
// a turnstile controller sees a new pulse for the new person.
func patternFor(s Signal, o *Opts, reopen bool) pattern {
	var p pattern
	switch s {
	case Off:
		return p
	case Allow:
		// Green lasts exactly as long as the gate is open: a green lamp over
		// a locked gate would be a lie.
		end := o.RelayPulse
		p.set(Relay, track{on: true, edges: []time.Duration{end}})
		if reopen && o.RelayGap > 0 {
			end += o.RelayGap
			p.set(Relay, track{edges: []time.Duration{o.RelayGap, end}})
		}
		p.set(Green, track{on: true, edges: []time.Duration{end}})
	case Recheck, Register, Wait, Sampling:
		p.set(Amber, track{on: true})
	case Deny, Refer, PersuadeReturn:
		p.set(Red, track{on: true})
	case Fault:
		p.set(Red, track{on: true, period: o.Blink})
	}
	p.set(Buzzer, o.Beeps[s].track(o.BuzzerShort, o.BuzzerLong))
	return p
}
