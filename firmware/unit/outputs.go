package unit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/kakou/kakou/drivers/display"
	"github.com/kakou/kakou/drivers/gate"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/devices/v3/hd44780"
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
	// Beeps replaces the buzzer rhythm of a decision (or "fault"), written
	// "." short, "-" long, " " a pause; the rest keep gate.DefaultBeeps.
	Beeps map[string]string `toml:"beeps"`
}

// DisplayConfig selects a display that shows the last result in large text.
type DisplayConfig struct {
	Driver string `toml:"driver"` // "" (none), "ssd1306" or "hd44780"
	// I2CBus is the SSD1306's bus, named as periph does ("1"); "" = the first.
	I2CBus string `toml:"i2c_bus"`
	// RSPin, EPin and DataPins (D4, D5, D6, D7 in that order) are the GPIOs
	// of an HD44780 in 4-bit mode; Cols and Rows are the module's size.
	RSPin    string   `toml:"rs_pin"`
	EPin     string   `toml:"e_pin"`
	DataPins []string `toml:"data_pins"`
	Cols     int      `toml:"cols"`
	Rows     int      `toml:"rows"`
}

// problems checks the display keys without touching the hardware: whether
// a pin exists on this board is only known when the unit opens it.
func (d DisplayConfig) problems() []string {
	switch d.Driver {
	case "", "ssd1306":
		return d.strayLCDKeys()
	case "hd44780":
		return d.lcdProblems()
	}
	return []string{fmt.Sprintf("display.driver: %q, want \"ssd1306\" (OLED), \"hd44780\" (character LCD) or leave it out", d.Driver)}
}

// strayLCDKeys catches LCD wiring written without driver = "hd44780", which
// would otherwise be ignored and leave the installer wondering why the LCD
// stays blank.
func (d DisplayConfig) strayLCDKeys() []string {
	var p []string
	for _, k := range []struct {
		key string
		set bool
	}{{"rs_pin", d.RSPin != ""}, {"e_pin", d.EPin != ""}, {"data_pins", d.DataPins != nil}, {"cols", d.Cols != 0}, {"rows", d.Rows != 0}} {
		if k.set {
			p = append(p, fmt.Sprintf("display.%s: only for an HD44780 LCD: set display.driver = \"hd44780\" or remove the key", k.key))
		}
	}
	return p
}

func (d DisplayConfig) lcdProblems() []string {
	var p []string
	bad := func(key, format string, args ...any) { p = append(p, "display."+key+": "+fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(d.RSPin) == "" {
		bad("rs_pin", "required for an HD44780: the GPIO wired to the LCD's RS, e.g. \"GPIO5\"")
	}
	if strings.TrimSpace(d.EPin) == "" {
		bad("e_pin", "required for an HD44780: the GPIO wired to the LCD's E, e.g. \"GPIO6\"")
	}
	if len(d.DataPins) != 4 {
		bad("data_pins", "%d pins, want 4: the GPIOs wired to D4, D5, D6 and D7 in that order, e.g. [\"GPIO13\", \"GPIO19\", \"GPIO26\", \"GPIO21\"]", len(d.DataPins))
	}
	for i, name := range d.DataPins {
		if strings.TrimSpace(name) == "" {
			bad("data_pins", "entry %d is empty: name the GPIO wired to D%d, e.g. \"GPIO13\"", i+1, i+4)
		}
	}
	p = append(p, d.sharedLCDPins()...)
	if d.Cols != 16 && d.Cols != 20 {
		bad("cols", "%d, want 16 or 20, the characters per row of the module (16x2, 20x4, ...)", d.Cols)
	}
	if d.Rows != 2 && d.Rows != 4 {
		bad("rows", "%d, want 2 or 4, the rows of the module", d.Rows)
	}
	return p
}

// sharedLCDPins reports a GPIO named twice: the LCD would read garbage, as
// RS, E and each data line must move on their own.
func (d DisplayConfig) sharedLCDPins() []string {
	var p []string
	seen := map[string]string{}
	use := func(key, name string) {
		if name == "" {
			return
		}
		if first, ok := seen[name]; ok {
			p = append(p, fmt.Sprintf("%s: %q is also %s; give every LCD line a GPIO of its own", key, name, first))
			return
		}
		seen[name] = key
	}
	use("display.rs_pin", d.RSPin)
	use("display.e_pin", d.EPin)
	for i, name := range d.DataPins {
		use(fmt.Sprintf("display.data_pins (D%d)", i+4), name)
	}
	return p
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
	o.Beeps = map[gate.Signal]gate.Beeps{}
	for name, b := range g.Beeps {
		if s, ok := beepSignals[name]; ok {
			o.Beeps[s] = gate.Beeps(b)
		}
	}
	return o, nil
}

// outputs shows each decision on the gate and the display, off the
// pipeline's path: a slow display must not hold up the next person, and
// only the latest decision matters when they queue.
type outputs struct {
	gate    *gate.Dev
	display *display.Dev
	// closers release the buses the outputs use, after the devices halt.
	closers []func() error
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
	if err := o.openDisplay(c.Display); err != nil {
		// The caller gets no outputs to halt, so release what opened here.
		return nil, errors.Join(err, o.halt())
	}
	return o, nil
}

func (o *outputs) openDisplay(d DisplayConfig) error {
	switch d.Driver {
	case "ssd1306":
		return o.openOLED(d)
	case "hd44780":
		return o.openLCD(d)
	}
	return nil
}

func (o *outputs) openOLED(d DisplayConfig) error {
	bus, err := i2creg.Open(d.I2CBus)
	if err != nil {
		return fmt.Errorf("display: open I2C bus %q: %w", d.I2CBus, err)
	}
	o.closers = append(o.closers, bus.Close)
	oled, err := ssd1306.NewI2C(bus, &ssd1306.DefaultOpts)
	if err == nil {
		o.display, err = display.NewSSD1306(oled)
	}
	if err != nil {
		return fmt.Errorf("OLED: %w (check the OLED is at 0x3C on bus %q)", err, d.I2CBus)
	}
	return nil
}

// openLCD starts an HD44780 in 4-bit mode. With R/W grounded the LCD never
// answers, so a missing or miswired module opens without error and stays
// blank: the smoke test is how an installer checks it.
func (o *outputs) openLCD(d DisplayConfig) error {
	rs, err := lcdPin("display.rs_pin", d.RSPin)
	if err != nil {
		return err
	}
	e, err := lcdPin("display.e_pin", d.EPin)
	if err != nil {
		return err
	}
	data := make([]gpio.PinOut, len(d.DataPins))
	for i, name := range d.DataPins {
		if data[i], err = lcdPin(fmt.Sprintf("display.data_pins (D%d)", i+4), name); err != nil {
			return err
		}
	}
	lcd, err := hd44780.New(data, rs, e)
	if err != nil {
		return fmt.Errorf("display: HD44780 on RS %s, E %s: %w", d.RSPin, d.EPin, err)
	}
	o.display, err = display.NewHD44780(lcd, d.Cols, d.Rows)
	return err
}

func lcdPin(key, name string) (gpio.PinOut, error) {
	p := gpioreg.ByName(name)
	if p == nil {
		return nil, fmt.Errorf("display: %s: no GPIO pin %q on this board (use names like GPIO5)", key, name)
	}
	return p, nil
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
	for _, c := range slices.Backward(o.closers) {
		errs = append(errs, c())
	}
	o.closers = nil
	return errors.Join(errs...)
}

// signalFor maps a decision to lamps, buzzer and relay; only allow opens.
// Every decision has a signal, and so a rhythm, of its own.
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
	case wire.Hold:
		return gate.Sampling
	case wire.PersuadeReturn:
		return gate.PersuadeReturn
	default: // deny, and a decision this firmware does not know
		return gate.Deny
	}
}

var headlines = map[wire.Decision]string{wire.Allow: "PASS", wire.Recheck: "RECHECK", wire.Register: "REGISTER",
	wire.Wait: "WAIT", wire.Refer: "REFER", wire.Deny: "DENY", wire.PersuadeReturn: "RETURN", wire.Hold: "SAMPLING"}

func screenFor(e wire.Entry) display.Screen {
	s := display.Screen{Headline: headlines[e.Decision], Detail: "NO TEMP"}
	if e.Temperature != nil {
		s.Detail = fmt.Sprintf("%.1f°C", e.Temperature.CorrectedC)
	}
	return s
}
