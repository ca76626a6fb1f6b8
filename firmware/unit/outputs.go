package unit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/kakou/kakou/drivers/display"
	"github.com/kakou/kakou/drivers/gate"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/devices/v3/ssd1306"
	"periph.io/x/host/v3"
)

// GateConfig names the GPIO pins of the gate's outputs; each is optional.
type GateConfig struct {
	RelayPin   string   `toml:"relay_pin"`
	GreenPin   string   `toml:"green_pin"`
	RedPin     string   `toml:"red_pin"`
	AmberPin   string   `toml:"amber_pin"`
	BuzzerPin  string   `toml:"buzzer_pin"`
	RelayPulse Duration `toml:"relay_pulse"`
	// ActiveLow lists outputs wired to boards that switch on a low level.
	ActiveLow []string `toml:"active_low"`
}

// DisplayConfig selects a display that shows the last result in large text.
type DisplayConfig struct {
	Driver string `toml:"driver"` // "" (none) or "ssd1306"
	I2CBus string `toml:"i2c_bus"`
}

func (g GateConfig) fitted() bool {
	return g.RelayPin+g.GreenPin+g.RedPin+g.AmberPin+g.BuzzerPin != ""
}

var outputNames = map[string]gate.Output{"relay": gate.Relay, "green": gate.Green, "red": gate.Red, "amber": gate.Amber, "buzzer": gate.Buzzer}

func (g GateConfig) opts() (gate.Opts, error) {
	o := gate.DefaultOpts
	if g.RelayPulse.Duration > 0 {
		o.RelayPulse = g.RelayPulse.Duration
	}
	for _, name := range g.ActiveLow {
		out, ok := outputNames[name]
		if !ok {
			return o, fmt.Errorf("gate.active_low: %q is not relay, green, red, amber or buzzer", name)
		}
		o.ActiveLow |= out
	}
	return o, nil
}

// outputs shows each decision on the gate and the display, off the
// pipeline's path: a slow display must not hold up the next person, and
// only the latest decision matters when they queue.
type outputs struct {
	gate    *gate.Dev
	display *display.Dev
	latest  chan wire.Entry
	log     *slog.Logger
}

func openOutputs(c Config, log *slog.Logger) (*outputs, error) {
	o := &outputs{latest: make(chan wire.Entry, 1), log: log}
	if !c.Gate.fitted() && c.Display.Driver == "" {
		return o, nil
	}
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("outputs: periph host init: %w", err)
	}
	if c.Gate.fitted() {
		if err := o.openGate(c.Gate); err != nil {
			return nil, err
		}
	}
	if c.Display.Driver == "ssd1306" {
		bus, err := i2creg.Open(c.Display.I2CBus)
		if err != nil {
			return nil, fmt.Errorf("display: open I2C bus %q: %w", c.Display.I2CBus, err)
		}
		oled, err := ssd1306.NewI2C(bus, &ssd1306.DefaultOpts)
		if err == nil {
			o.display, err = display.NewSSD1306(oled)
		}
		if err != nil {
			return nil, fmt.Errorf("display: %w (check the OLED is at 0x3C on bus %q)", err, c.Display.I2CBus)
		}
	}
	return o, nil
}

func (o *outputs) openGate(g GateConfig) error {
	var pins gate.Pins
	for _, p := range []struct {
		name string
		dst  *gpio.PinOut
	}{{g.RelayPin, &pins.Relay}, {g.GreenPin, &pins.Green}, {g.RedPin, &pins.Red}, {g.AmberPin, &pins.Amber}, {g.BuzzerPin, &pins.Buzzer}} {
		if p.name == "" {
			continue
		}
		pin := gpioreg.ByName(p.name)
		if pin == nil {
			return fmt.Errorf("gate: no GPIO pin %q on this board (use names like GPIO17)", p.name)
		}
		*p.dst = pin
	}
	opts, err := g.opts()
	if err != nil {
		return err
	}
	o.gate, err = gate.New(pins, &opts)
	return err
}

// show queues e, replacing a decision not yet shown.
func (o *outputs) show(e wire.Entry) {
	select {
	case <-o.latest:
	default:
	}
	o.latest <- e
}

func (o *outputs) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-o.latest:
			if o.gate != nil {
				if err := o.gate.Show(ctx, signalFor(e.Decision)); err != nil {
					o.log.Error("gate output failed", "err", err)
				}
			}
			if o.display != nil {
				if err := o.display.Show(screenFor(e)); err != nil {
					o.log.Error("display failed", "err", err)
				}
			}
		}
	}
}

func (o *outputs) halt() error {
	var errs []error
	if o.gate != nil {
		errs = append(errs, o.gate.Halt())
	}
	if o.display != nil {
		errs = append(errs, o.display.Halt())
	}
	return errors.Join(errs...)
}

// signalFor maps a decision to lamps, buzzer and relay; only allow opens.
func signalFor(d wire.Decision) gate.Signal {
	switch d {
	case wire.Allow:
		return gate.Allow
	case wire.Recheck:
		return gate.Recheck
	case wire.Register:
		return gate.Register
	case wire.Wait:
		return gate.Wait
	case wire.Refer:
		return gate.Refer
	default: // deny, persuade_return
		return gate.Deny
	}
}

var headlines = map[wire.Decision]string{wire.Allow: "PASS", wire.Recheck: "RECHECK", wire.Register: "REGISTER",
	wire.Wait: "WAIT", wire.Refer: "REFER", wire.Deny: "DENY", wire.PersuadeReturn: "RETURN"}

func screenFor(e wire.Entry) display.Screen {
	s := display.Screen{Headline: headlines[e.Decision], Detail: "NO TEMP"}
	if e.Temperature != nil {
		s.Detail = fmt.Sprintf("%.1f°C", e.Temperature.CorrectedC)
	}
	return s
}
