package unit

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/display"
	"github.com/kakou/kakou/drivers/gate"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

func TestOnlyAllowOpensTheGate(t *testing.T) {
	for d := range headlines {
		if got := signalFor(d); (got == gate.Allow) != (d == wire.Allow) {
			t.Errorf("%s maps to %v", d, got)
		}
		if headlines[d] == "" {
			t.Errorf("%s has no headline", d)
		}
	}
	if s := screenFor(wire.Entry{Decision: wire.Recheck, Temperature: &wire.Temperature{CorrectedC: 37.46}}); s.Headline != "RECHECK" || s.Detail != "37.5°C" {
		t.Errorf("screen %+v", s)
	}
}

func TestOutputsShowDecisionsOnTheGate(t *testing.T) {
	relay, red := &gpiotest.Pin{N: "relay"}, &gpiotest.Pin{N: "red"}
	g, err := gate.New(gate.Pins{Relay: relay, Red: red}, &gate.DefaultOpts)
	if err != nil {
		t.Fatal(err)
	}
	o := &outputs{gate: g, latest: make(chan wire.Entry, 1), log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go o.run(ctx)
	waitLevel := func(p *gpiotest.Pin, want gpio.Level) {
		t.Helper()
		testenv.Await(t, fmt.Sprintf("%s to go %v", p.N, want), 10*time.Second, func() bool { return p.Read() == want })
	}
	o.show(wire.Entry{Decision: wire.Allow})
	waitLevel(relay, gpio.High)
	o.show(wire.Entry{Decision: wire.Deny})
	waitLevel(red, gpio.High)
	waitLevel(relay, gpio.Low) // a denial cuts the previous person's open gate
	if err := o.halt(); err != nil || red.Read() != gpio.Low {
		t.Fatalf("halt: %v, red %v", err, red.Read())
	}
}

// lcdWires stands in for an HD44780 on the GPIO registry: like the chip, it
// latches RS and D4-D7 on each falling edge of E (HD44780U datasheet,
// "Interfacing to the MPU") and keeps the characters written, that is the
// nibble pairs sent with RS high.
type lcdWires struct {
	rs   *gpiotest.Pin
	data [4]*gpiotest.Pin
	text []byte
	half []byte // the high nibble of a character still waiting for its low one
}

// strobe is the E pin, watching for its falling edge.
type strobe struct {
	*gpiotest.Pin
	w *lcdWires
}

func (e *strobe) Out(l gpio.Level) error {
	if e.Read() == gpio.High && l == gpio.Low {
		e.w.latch()
	}
	return e.Pin.Out(l)
}

func (w *lcdWires) latch() {
	if w.rs.Read() == gpio.Low {
		return // an instruction nibble
	}
	var n byte
	for i, d := range w.data {
		if d.Read() == gpio.High {
			n |= 1 << i
		}
	}
	if w.half == nil {
		w.half = []byte{n}
		return
	}
	w.text, w.half = append(w.text, w.half[0]<<4|n), nil
}

// registerLCD puts an LCD's pins in the GPIO registry under names no board
// has, and takes them out again when the test ends.
func registerLCD(t *testing.T) (*lcdWires, DisplayConfig) {
	t.Helper()
	w := &lcdWires{rs: &gpiotest.Pin{N: "LCDTEST_RS"}}
	cfg := DisplayConfig{Driver: "hd44780", RSPin: "LCDTEST_RS", EPin: "LCDTEST_E", Cols: 16, Rows: 2}
	pins := []gpio.PinIO{w.rs, &strobe{Pin: &gpiotest.Pin{N: "LCDTEST_E"}, w: w}}
	for i := range w.data {
		w.data[i] = &gpiotest.Pin{N: "LCDTEST_D" + string(rune('4'+i))}
		pins = append(pins, w.data[i])
		cfg.DataPins = append(cfg.DataPins, w.data[i].N)
	}
	for _, p := range pins {
		if err := gpioreg.Register(p); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = gpioreg.Unregister(p.Name()) })
	}
	return w, cfg
}

func TestOutputsWriteResultsToAnHD44780OnTheNamedPins(t *testing.T) {
	w, cfg := registerLCD(t)
	o := &outputs{log: slog.New(slog.DiscardHandler)}
	if err := o.openDisplay(cfg); err != nil {
		t.Fatal(err)
	}
	defer o.halt()
	if !strings.Contains(o.display.String(), "16x2") {
		t.Errorf("display %s, want a 16x2 LCD", o.display)
	}
	if err := o.display.Show(display.Screen{Headline: "PASS", Detail: "36.7°C"}); err != nil {
		t.Fatal(err)
	}
	// Both rows are rewritten whole, centred; 0xDF is the A00 ROM's "°".
	if got, want := string(w.text), "      PASS      "+"     36.7\xDFC     "; got != want {
		t.Errorf("LCD received %q, want %q (data pins out of D4-D7 order?)", got, want)
	}
}

func TestOutputsNameTheLCDPinThatIsMissing(t *testing.T) {
	_, cfg := registerLCD(t)
	for _, tc := range []struct {
		name string
		edit func(*DisplayConfig)
		want string
	}{
		{"rs", func(d *DisplayConfig) { d.RSPin = "GPIO999" }, `display.rs_pin: no GPIO pin "GPIO999"`},
		{"e", func(d *DisplayConfig) { d.EPin = "GPIO998" }, `display.e_pin: no GPIO pin "GPIO998"`},
		{"d6", func(d *DisplayConfig) { d.DataPins = []string{"LCDTEST_D4", "LCDTEST_D5", "GPIO997", "LCDTEST_D7"} },
			`display.data_pins (D6): no GPIO pin "GPIO997"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			tc.edit(&c)
			o := &outputs{log: slog.New(slog.DiscardHandler)}
			if err := o.openDisplay(c); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
			if o.display != nil {
				t.Error("a display opened with a missing pin")
			}
		})
	}
}
