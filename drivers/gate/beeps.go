package gate

import (
	"fmt"
	"strings"
	"time"
)

// Beeps is a buzzer rhythm written as text, one symbol a step:
//
//	.  a short beep (Opts.BuzzerShort)
//	-  a long beep (Opts.BuzzerLong)
//	   a space: a pause as long as a long beep
//
// Two beeps written side by side are parted by a gap as long as a short
// beep, so they count as two: "--" is two long beeps, ". . ." a slow pulse
// of three. A rhythm starts and ends with a beep.
type Beeps string

// MaxBeepSymbols bounds a rhythm: a cue is counted by ear in a second or
// two, and anything longer is still sounding over the next person.
const MaxBeepSymbols = 8

// DefaultBeeps is each signal's rhythm, every one different so a guard
// who is looking at the person, not the lamp, still knows the result
// (docs/product.md "Who uses it": a spoken or buzzer cue). The more a
// result asks of the guard, the longer it sounds.
var DefaultBeeps = map[Signal]Beeps{
	Allow:          ".",     // pass: one short
	Recheck:        "..",    // measure again: two short
	Register:       ".-",    // register first: short, long
	Wait:           ". . .", // the site is full: a slow pulse
	Deny:           "--",    // denied: two long
	Refer:          "---",   // fever clinic: three long
	PersuadeReturn: "-..",   // persuade to return: long, short, short
	Sampling:       ".--",   // to the sampling point: short, long, long
	Fault:          "...",   // the checkpoint needs the guard: three short, fast
}

// Validate reports what is wrong with b, if anything.
func (b Beeps) Validate() error {
	if b == "" {
		return fmt.Errorf("empty: write beeps as . (short) and - (long), a space for a pause, e.g. \"..\"")
	}
	if n := len([]rune(string(b))); n > MaxBeepSymbols {
		return fmt.Errorf("%q: %d symbols, at most %d: a cue is counted by ear", b, n, MaxBeepSymbols)
	}
	if i := strings.IndexFunc(string(b), func(r rune) bool { return r != '.' && r != '-' && r != ' ' }); i >= 0 {
		return fmt.Errorf("%q: only . (short beep), - (long beep) and space (pause) are allowed", b)
	}
	if b[0] == ' ' || b[len(b)-1] == ' ' {
		return fmt.Errorf("%q: starts or ends with a pause; start and end with a beep", b)
	}
	return nil
}

// track is the buzzer's timeline for b; b must be valid.
func (b Beeps) track(short, long time.Duration) track {
	k := track{on: true}
	t := time.Duration(0)
	for i := 0; i < len(b); i++ {
		if b[i] == ' ' {
			t += long
			continue
		}
		if i > 0 { // the buzzer comes on again
			if b[i-1] != ' ' {
				t += short // the gap that makes two beeps count as two
			}
			k.edges = append(k.edges, t)
		}
		if b[i] == '.' {
			t += short
		} else {
			t += long
		}
		k.edges = append(k.edges, t) // the beep ends
	}
	return k
}

// beepsProblems checks every rhythm and that no two signals sound alike at
// these lengths: with BuzzerShort equal to BuzzerLong, "." and "-" would.
func (o *Opts) beepsProblems() []error {
	var errs []error
	seen := map[string]Signal{}
	for s := Allow; s <= Fault; s++ {
		b := o.Beeps[s]
		if err := b.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("Beeps[%s] %w", s, err))
			continue
		}
		key := fmt.Sprint(b.track(o.BuzzerShort, o.BuzzerLong).edges)
		if first, ok := seen[key]; ok {
			errs = append(errs, fmt.Errorf("Beeps[%s] %q sounds the same as %s: the guard could not tell them apart", s, b, first))
			continue
		}
		seen[key] = s
	}
	return errs
}
