package unit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kakou/kakou/drivers/mlx90614"
	"github.com/kakou/kakou/drivers/serialscanner"
	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/sensors"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/host/v3"
)

func (t ThermometerConfig) problems() []string {
	var p []string
	switch t.Driver {
	case "sim":
	case "mlx90614":
		if t.Address < 0x01 || t.Address > 0x7F {
			p = append(p, fmt.Sprintf("thermometer.address: 0x%X is not a 7-bit I2C address (the factory default is 0x5A)", t.Address))
		}
		if t.Samples < 1 || t.Samples > 50 {
			p = append(p, fmt.Sprintf("thermometer.samples: %d, want 1-50 readings per person", t.Samples))
		}
	default:
		p = append(p, fmt.Sprintf("thermometer.driver: %q, want \"mlx90614\" or \"sim\"", t.Driver))
	}
	if t.OffsetC < -3 || t.OffsetC > 3 {
		p = append(p, fmt.Sprintf("thermometer.offset_c: %.1f: a forehead offset beyond ±3 °C means the sensor is mis-aimed", t.OffsetC))
	}
	return p
}

// defaultIdleFlush ends a burst the scanner sent without a terminator (a
// misread, line noise) so it cannot swallow the next person's code. No
// scanner pauses this long inside one code (a byte takes 8 ms at 1200 baud,
// the slowest rate), and nobody presents the next code this fast.
const defaultIdleFlush = 300 * time.Millisecond

// The scanner's timing keys, checked here so each problem names its key.
const (
	minIdleFlush = 50 * time.Millisecond
	maxIdleFlush = 2 * time.Second
)

func (s ScannerConfig) timingProblems() []string {
	var p []string
	if r := s.ReopenMax.Duration; r < serialscanner.DefaultOpts.ReopenMin || r > serialscanner.MaxReopen {
		p = append(p, fmt.Sprintf("scanner.reopen_max: %s: want %s to %s (1s is usual), so a replugged scanner is read again within 2 s",
			r, serialscanner.DefaultOpts.ReopenMin, serialscanner.MaxReopen))
	}
	if f := s.IdleFlush.Duration; f != 0 && (f < minIdleFlush || f > maxIdleFlush) {
		p = append(p, fmt.Sprintf("scanner.idle_flush: %s: want %s to %s (%s is usual), or \"0s\" for terminators only",
			f, minIdleFlush, maxIdleFlush, defaultIdleFlush))
	}
	return p
}

func (s ScannerConfig) problems() []string {
	switch s.Driver {
	case "sim":
		return nil
	case "serial":
		p := s.timingProblems()
		if len(p) > 0 {
			s.ReopenMax, s.IdleFlush = Duration{serialscanner.DefaultOpts.ReopenMax}, Duration{} // reported above, with their keys
		}
		o, err := s.serialOpts()
		if err == nil {
			err = o.Validate()
		}
		if err == nil {
			return p
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			p = append(p, "scanner: "+strings.TrimPrefix(line, "serialscanner: "))
		}
		return p
	}
	return []string{fmt.Sprintf("scanner.driver: %q, want \"serial\" or \"sim\"", s.Driver)}
}

func (s ScannerConfig) serialOpts() (serialscanner.Opts, error) {
	o := serialscanner.DefaultOpts
	o.Port, o.Baud = s.Port, s.Baud
	o.Frame.Prefix, o.Frame.Suffix = s.Prefix, s.Suffix
	o.Frame.DedupWindow, o.Frame.MaxLen = s.DedupWindow.Duration, s.MaxLength
	o.Frame.IdleFlush, o.ReopenMax = s.IdleFlush.Duration, s.ReopenMax.Duration
	if err := o.Frame.Terminator.UnmarshalText([]byte(s.Terminator)); err != nil {
		return o, fmt.Errorf("terminator: %w", err)
	}
	return o, nil
}

// devices opens the configured sensors. Only this wiring code opens buses
// and ports; the drivers are handed what they need.
type devices struct {
	thermo  screening.Thermometer
	scanner screening.Scanner
	closers []func() error
	// health lists the devices that can fail; simulated ones cannot.
	health []func() wire.Device
}

// report is the current health of every device that can fail.
func (d *devices) report() []wire.Device {
	out := make([]wire.Device, 0, len(d.health))
	for _, h := range d.health {
		out = append(out, h())
	}
	return out
}

func openDevices(c Config) (*devices, error) {
	crowd, err := c.crowd()
	if err != nil {
		return nil, err
	}
	d := &devices{}
	if err := d.openThermometer(c, crowd); err != nil {
		d.close()
		return nil, err
	}
	if err := d.openScanner(c, crowd); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// crowd is the simulated lane both "sim" drivers share, so the forehead
// measured belongs to the person who scanned; nil when neither is "sim".
func (c Config) crowd() (*sim.Crowd, error) {
	if c.Thermometer.Driver != "sim" && c.Scanner.Driver != "sim" {
		return nil, nil
	}
	o := c.simOpts()
	return sim.New(&o)
}

func (d *devices) openThermometer(c Config, crowd *sim.Crowd) error {
	offset := policy.Delta(c.Thermometer.OffsetC)
	if c.Thermometer.Driver == "sim" {
		d.thermo = sensors.SimThermometer{Crowd: crowd, Offset: offset}
		return nil
	}
	return d.openMLX90614(c.Thermometer, offset)
}

func (d *devices) openScanner(c Config, crowd *sim.Crowd) error {
	if c.Scanner.Driver == "sim" {
		d.scanner = crowd
		return nil
	}
	return d.openSerial(c.Scanner)
}

func (d *devices) openMLX90614(t ThermometerConfig, offset physic.Temperature) error {
	if _, err := host.Init(); err != nil {
		return fmt.Errorf("thermometer: periph host init: %w", err)
	}
	bus, err := i2creg.Open(t.I2CBus)
	if err != nil {
		return fmt.Errorf("thermometer: open I2C bus %q: %w (enable I2C with raspi-config, check thermometer.i2c_bus)", t.I2CBus, err)
	}
	d.closers = append(d.closers, bus.Close)
	o := mlx90614.DefaultOpts
	o.Addr, o.Samples = uint16(t.Address), t.Samples
	body := sensors.DefaultBody
	body.Offset = offset
	th, err := sensors.NewMLX90614(bus, o, body)
	if err != nil {
		return fmt.Errorf("thermometer: %w", err)
	}
	d.thermo, d.health = th, append(d.health, th.Health)
	return nil
}

func (d *devices) openSerial(s ScannerConfig) error {
	o, err := s.serialOpts()
	if err != nil {
		return fmt.Errorf("scanner: %w", err)
	}
	sc, err := serialscanner.Open(&o)
	if err != nil {
		return fmt.Errorf("scanner: %w", err)
	}
	d.closers = append(d.closers, sc.Close)
	ss := sensors.SerialScanner{Scanner: sc}
	d.scanner, d.health = ss, append(d.health, ss.Health)
	return nil
}

func (d *devices) close() error {
	var errs []error
	for _, c := range slices.Backward(d.closers) {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}
