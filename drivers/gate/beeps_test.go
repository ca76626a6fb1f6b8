package gate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBeepsBecomeTheBuzzerTimeline(t *testing.T) {
	tests := []struct {
		beeps Beeps
		edges []time.Duration
	}{
		{".", []time.Duration{150 * ms}},
		{"-", []time.Duration{1000 * ms}},
		{"..", []time.Duration{150 * ms, 300 * ms, 450 * ms}},
		{".-", []time.Duration{150 * ms, 300 * ms, 1300 * ms}},
		{". .", []time.Duration{150 * ms, 1150 * ms, 1300 * ms}},
		{".  .", []time.Duration{150 * ms, 2150 * ms, 2300 * ms}},
	}
	for _, tt := range tests {
		k := tt.beeps.track(150*ms, time.Second)
		if !k.on || fmt.Sprint(k.edges) != fmt.Sprint(tt.edges) || k.period != 0 {
			t.Errorf("%q: on %t edges %v period %s, want on, edges %v and no repeat", tt.beeps, k.on, k.edges, k.period, tt.edges)
		}
	}
}

func TestEverySignalHasARhythmOfItsOwn(t *testing.T) {
	o := DefaultOpts.withDefaults()
	seen := map[string]Signal{}
	for s := Allow; s <= Fault; s++ {
		p := patternFor(s, &o, false)
		key := fmt.Sprint(p[index(Buzzer)].edges)
		if first, ok := seen[key]; ok {
			t.Errorf("%s beeps like %s: %v", s, first, key)
		}
		seen[key] = s
	}
	if err := o.validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

func TestBeepsRefusesWhatAGuardCouldNotCount(t *testing.T) {
	tests := []struct {
		beeps Beeps
		want  string
	}{
		{"", "empty"},
		{"..x", "only . (short beep)"},
		{" .", "starts or ends with a pause"},
		{". ", "starts or ends with a pause"},
		{".........", "at most 8"},
		{"·", "only . (short beep)"},
	}
	for _, tt := range tests {
		if err := tt.beeps.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want an error with %q", tt.beeps, err, tt.want)
		}
	}
}

func TestOptsBeepsReplaceOneRhythmAndKeepTheRest(t *testing.T) {
	mine := map[Signal]Beeps{Allow: ". ."}
	r := newRig(t, Green|Buzzer, &Opts{Beeps: mine})
	got := r.play(Allow, 0)
	want := []sample{{0, Green | Buzzer}, {150 * ms, Green}, {1150 * ms, Green | Buzzer}, {1300 * ms, Green}, {3000 * ms, 0}}
	if !equalSamples(got, want) {
		t.Errorf("allow with \". .\"\n got %v\nwant %v", got, want)
	}
	if len(mine) != 1 {
		t.Errorf("New wrote into the caller's Beeps: %v", mine)
	}
	if got := r.play(Recheck, 0); len(got) != 4 {
		t.Errorf("recheck lost its default two beeps: %v", got)
	}
}

func TestOptsRefuseRhythmsThatSoundAlike(t *testing.T) {
	tests := []struct {
		name string
		opts Opts
		want string
	}{
		{"two signals given one rhythm", Opts{Beeps: map[Signal]Beeps{Deny: "---"}}, "Beeps[Refer] \"---\" sounds the same as Deny"},
		{"a new rhythm equal to a default", Opts{Beeps: map[Signal]Beeps{Allow: ".."}}, "sounds the same as Allow"},
		{"short as long as long", Opts{BuzzerShort: time.Second, BuzzerLong: time.Second}, "sounds the same"},
		{"a bad symbol", Opts{Beeps: map[Signal]Beeps{Wait: "~"}}, "Beeps[Wait]"},
		{"off cannot beep", Opts{Beeps: map[Signal]Beeps{Off: "."}}, "Off has no rhythm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// A busy lane: the next person's result comes while the last one's rhythm
// still sounds. The buzzer must start the new rhythm at once, from its
// beginning, and none of the old one may follow.
func TestANewSignalCutsARhythmMidBeep(t *testing.T) {
	r := newRig(t, Relay|Green|Red|Amber|Buzzer, nil)
	r.play(Refer, 3) // in the second long beep
	if on := r.on(); on != Red|Buzzer {
		t.Fatalf("refer's second beep: %s on", on)
	}
	got := r.play(Allow, 0)
	want := []sample{{0, Relay | Green | Buzzer}, {150 * ms, Relay | Green}, {3000 * ms, 0}}
	if !equalSamples(got, want) {
		t.Errorf("allow over a sounding refer\n got %v\nwant %v", got, want)
	}
}

func TestOptsSleepStepsThePattern(t *testing.T) {
	var asked []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		asked = append(asked, d)
		return nil // no waiting: the pattern runs through at once
	}
	dev, err := New(Pins{Buzzer: &failingPin{}}, &Opts{Sleep: sleep})
	if err != nil {
		t.Fatal(err)
	}
	if err := dev.Show(context.Background(), Recheck); err != nil {
		t.Fatal(err)
	}
	if err := dev.Halt(); err != nil { // waits for the pattern to end
		t.Fatal(err)
	}
	if fmt.Sprint(asked) != "[150ms 150ms 150ms]" {
		t.Errorf("slept %v, want the recheck's three steps of 150ms", asked)
	}
}

// FuzzBeeps: a rhythm comes from a config file; any text is refused or
// becomes a timeline that starts on, moves forward and ends off.
func FuzzBeeps(f *testing.F) {
	for _, b := range DefaultBeeps {
		f.Add(string(b))
	}
	for _, s := range []string{"", " ", ".  -", "--------", "\x00", "。", ". . . . ."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := Beeps(s)
		if b.Validate() != nil {
			return
		}
		k := b.track(20*ms, 5*time.Second)
		if !k.on || len(k.edges)%2 != 1 {
			t.Fatalf("%q: on %t, %d edges: want on at the start and off at the end", s, k.on, len(k.edges))
		}
		last := time.Duration(0)
		for _, e := range k.edges {
			if e <= last {
				t.Fatalf("%q: edges %v do not move forward", s, k.edges)
			}
			last = e
		}
	})
}
