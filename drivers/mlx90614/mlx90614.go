package mlx90614

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// Opts configures a Dev. Start from DefaultOpts and change what differs:
// every field is used as given, so a zero Retries means no retry and a zero
// SampleInterval means samples back to back.
//
// The options describe the chip and how to read it. Turning a forehead
// reading into a body temperature (an offset, ambient compensation) and
// judging whether a person could have it belong to the caller: the driver
// reports what the chip measured.
type Opts struct {
	// Addr is the 7-bit SMBus address, 0x01-0x7F; the factory sets 0x5A.
	Addr uint16
	// Samples is how many object readings Measure takes per person, 1-64.
	Samples int
	// Retries is how often one read is repeated after a NACK or a PEC
	// mismatch before it fails; 0 or negative means never.
	Retries int
	// SampleInterval separates the samples of one Measure.
	SampleInterval time.Duration
	// MaxSpread is the largest difference between the samples of one
	// Measure before the reading is marked uncertain; 0 demands identical
	// samples.
	MaxSpread physic.Temperature
	// DualZone reads both thermopiles of an MLX90614xBx part and keeps the
	// warmer; New checks that the chip is configured for two zones.
	DualZone bool
}

// DefaultOpts is the configuration for a single-zone sensor at 0x5A.
var DefaultOpts = Opts{
	Addr:           0x5A,
	Samples:        5,
	Retries:        3,
	SampleInterval: 50 * time.Millisecond,
	MaxSpread:      500 * physic.MilliKelvin,
}

// Dev is a handle to one MLX90614.
//
// Lock order: cmu before mu. SenseContinuous and Halt hold cmu while they
// wait for the sensing goroutine, which takes mu for each read, so mu is
// never held while cmu is taken.
type Dev struct {
	// mu keeps one caller's transactions together, so the samples of a person
	// are not interleaved with another caller's reads or an EEPROM write.
	mu   sync.Mutex
	c    i2c.Dev
	opts Opts

	// cmu guards the continuous sensing started by SenseContinuous.
	cmu  sync.Mutex
	stop chan struct{}
	wg   sync.WaitGroup
}

var _ conn.Resource = &Dev{}

// New returns a handle to the MLX90614 on bus after checking opts and
// probing the chip: it reads the emissivity cell and the ambient
// temperature, and with DualZone the configuration register. A nil opts
// means DefaultOpts. A bus failure wraps ErrNoSensor with what to check.
func New(bus i2c.Bus, opts *Opts) (*Dev, error) {
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	d := newDev(bus, o)
	if err := d.probe(); err != nil {
		return nil, err
	}
	return d, nil
}

// newDev skips validation so tests can talk to the broadcast address 0x00,
// to which every MLX90614 answers (application note, EEPROM examples).
func newDev(bus i2c.Bus, o Opts) *Dev {
	return &Dev{c: i2c.Dev{Bus: bus, Addr: o.Addr}, opts: o}
}

func (d *Dev) String() string {
	return fmt.Sprintf("mlx90614{%s}", &d.c)
}

// Halt stops the sensing SenseContinuous started and closes its channel.
// The chip itself keeps measuring: its sleep mode is not used because waking
// it needs SCL/SDA toggled by hand, which the Linux I2C controller cannot do,
// and the 5 V parts have no sleep mode.
func (d *Dev) Halt() error {
	d.cmu.Lock()
	defer d.cmu.Unlock()
	d.stopSensing()
	return nil
}

// Ambient reads the chip's own (package) temperature, Ta.
func (d *Dev) Ambient() (physic.Temperature, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.readTemperature(cmdAmbient)
}

// Object reads the object temperature of zone 1, Tobj1.
func (d *Dev) Object() (physic.Temperature, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.readTemperature(cmdObject1)
}

// Object2 reads the object temperature of zone 2, Tobj2, on a dual-zone part.
func (d *Dev) Object2() (physic.Temperature, error) {
	if !d.opts.DualZone {
		return 0, errors.New("mlx90614: Object2 needs a dual-zone part opened with Opts.DualZone")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.readTemperature(cmdObject2)
}

// Emissivity reads the emissivity the chip corrects for, from EEPROM 0x04:
// the cell holds round(65535×ε), so 0xFFFF is 1.0, the factory setting.
func (d *Dev) Emissivity() (float64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	raw, err := d.readWord(cmdEmissivity)
	if err != nil {
		return 0, err
	}
	return float64(raw) / 0xFFFF, nil
}

func (d *Dev) probe() error {
	if _, err := d.Emissivity(); err != nil {
		return err
	}
	if _, err := d.Ambient(); err != nil {
		return err
	}
	if !d.opts.DualZone {
		return nil
	}
	cfg, err := d.readWord(cmdConfig1)
	if err != nil {
		return err
	}
	// Config Register1 bit 6: 0 single IR sensor, 1 dual IR sensor.
	if cfg&(1<<6) == 0 {
		return fmt.Errorf("mlx90614: DualZone set but the chip at 0x%02X is configured for one IR sensor (config 0x%04X)", d.c.Addr, cfg)
	}
	return nil
}

// validate reports every problem at once, each naming its field.
func (o Opts) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if o.Addr < 0x01 || o.Addr > 0x7F {
		bad("Addr 0x%02X: want a 7-bit address 0x01-0x7F", o.Addr)
	}
	if o.Samples < 1 || o.Samples > 64 {
		bad("Samples %d: want 1-64", o.Samples)
	}
	if o.Retries > 10 {
		bad("Retries %d: want at most 10", o.Retries)
	}
	if o.SampleInterval < 0 || o.SampleInterval > time.Second {
		bad("SampleInterval %s: want 0-1s, a person does not stand still longer", o.SampleInterval)
	}
	if o.MaxSpread < 0 || o.MaxSpread > 5*physic.Kelvin {
		bad("MaxSpread %s: want 0-5 K", kelvin(o.MaxSpread))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("mlx90614: invalid Opts: %w", errors.Join(errs...))
}

// kelvin formats a temperature difference; physic.Temperature's String
// would print it as an absolute °C value.
func kelvin(t physic.Temperature) string {
	return fmt.Sprintf("%.2f K", float64(t)/float64(physic.Kelvin))
}
