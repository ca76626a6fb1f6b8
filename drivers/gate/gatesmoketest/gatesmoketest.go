// Package gatesmoketest checks a gate's relay, lamps and buzzer wired to a
// Raspberry Pi, in the manner of periph-smoketest: it plays every signal in
// turn, saying what should be seen and heard, then halts and reads the pins
// back to check the gate was left locked and quiet.
package gatesmoketest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kakou/kakou/drivers/gate"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

// SmokeTest is run by a smoke-test runner on the Pi.
type SmokeTest struct {
	// Out receives the report; nil means standard output.
	Out io.Writer
}

// Name implements the SmokeTest interface.
func (s *SmokeTest) Name() string {
	return "gate"
}

// Description implements the SmokeTest interface.
func (s *SmokeTest) Description() string {
	return "Plays every gate signal on the relay, lamps and buzzer, then checks the safe state"
}

// steps are the signals played, with what the person running the test
// should notice.
var steps = []struct {
	signal gate.Signal
	expect string
}{
	{gate.Allow, "green lamp and relay click for the pulse, one short beep"},
	{gate.Recheck, "amber lamp (or green and red), two short beeps"},
	{gate.Register, "amber lamp, a short beep then a long one"},
	{gate.Wait, "amber lamp, three short beeps a second apart"},
	{gate.Deny, "red lamp, two long beeps"},
	{gate.Refer, "red lamp, three long beeps"},
	{gate.PersuadeReturn, "red lamp, a long beep then two short ones"},
	{gate.Fault, "red lamp blinking, three short beeps"},
}

// Run implements the SmokeTest interface.
func (s *SmokeTest) Run(f *flag.FlagSet, args []string) error {
	names := map[gate.Output]*string{
		gate.Relay:  f.String("relay", "GPIO17", "relay pin, empty when not fitted"),
		gate.Green:  f.String("green", "GPIO27", "green lamp pin, empty when not fitted"),
		gate.Red:    f.String("red", "GPIO22", "red lamp pin, empty when not fitted"),
		gate.Amber:  f.String("amber", "", "amber lamp pin, empty when not fitted"),
		gate.Buzzer: f.String("buzzer", "GPIO23", "buzzer pin, empty when not fitted"),
	}
	activeLow := f.String("active-low", "", "comma-separated outputs that are on when low, e.g. relay")
	pulse := f.Duration("pulse", 3*time.Second, "relay pulse")
	hold := f.Duration("hold", 4*time.Second, "how long each signal is shown")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() != 0 {
		f.Usage()
		return errors.New("gatesmoketest: unrecognized arguments")
	}
	low, err := parseOutputs(*activeLow)
	if err != nil {
		return err
	}
	if _, err := host.Init(); err != nil {
		return fmt.Errorf("gatesmoketest: %w", err)
	}
	pins, err := lookup(names)
	if err != nil {
		return err
	}
	dev, err := gate.New(pins.gate(), &gate.Opts{RelayPulse: *pulse, ActiveLow: low})
	if err != nil {
		return err
	}
	return s.run(dev, pins, low, *hold)
}

func (s *SmokeTest) out() io.Writer {
	if s.Out == nil {
		return os.Stdout
	}
	return s.Out
}

func (s *SmokeTest) run(dev *gate.Dev, pins fitted, low gate.Output, hold time.Duration) error {
	fmt.Fprintf(s.out(), "%s\n", dev)
	ctx := context.Background()
	for _, st := range steps {
		fmt.Fprintf(s.out(), "%s: expect %s\n", st.signal, st.expect)
		if err := dev.Show(ctx, st.signal); err != nil {
			_ = dev.Halt()
			return err
		}
		time.Sleep(hold)
	}
	if err := dev.Halt(); err != nil {
		return err
	}
	return pins.checkSafe(low)
}

// fitted holds the pins found, by output.
type fitted map[gate.Output]gpio.PinIO

func lookup(names map[gate.Output]*string) (fitted, error) {
	pins := fitted{}
	for o, name := range names {
		if *name == "" {
			continue
		}
		p := gpioreg.ByName(*name)
		if p == nil {
			return nil, fmt.Errorf("gatesmoketest: %s pin %q: no such GPIO", o, *name)
		}
		pins[o] = p
	}
	return pins, nil
}

func (p fitted) gate() gate.Pins {
	var g gate.Pins
	set := func(dst *gpio.PinOut, o gate.Output) {
		if pin, ok := p[o]; ok {
			*dst = pin
		}
	}
	set(&g.Relay, gate.Relay)
	set(&g.Green, gate.Green)
	set(&g.Red, gate.Red)
	set(&g.Amber, gate.Amber)
	set(&g.Buzzer, gate.Buzzer)
	return g
}

// checkSafe reads each output pin back: a BCM283x returns the level it
// drives, so a mismatch means the pin is not under this program's control.
func (p fitted) checkSafe(low gate.Output) error {
	var errs []error
	for o, pin := range p {
		want := gpio.Level(low&o != 0)
		if got := pin.Read(); got != want {
			errs = append(errs, fmt.Errorf("gatesmoketest: after Halt %s %s reads %s, want %s", o, pin, got, want))
		}
	}
	return errors.Join(errs...)
}

func parseOutputs(list string) (gate.Output, error) {
	var o gate.Output
	for _, name := range strings.Split(list, ",") {
		switch strings.TrimSpace(name) {
		case "":
		case "relay":
			o |= gate.Relay
		case "green":
			o |= gate.Green
		case "red":
			o |= gate.Red
		case "amber":
			o |= gate.Amber
		case "buzzer":
			o |= gate.Buzzer
		default:
			return 0, fmt.Errorf("gatesmoketest: -active-low %q: want relay, green, red, amber or buzzer", name)
		}
	}
	return o, nil
}
