// Package mlx90614smoketest checks an MLX90614 wired to a Raspberry Pi, in
// the manner of periph-smoketest: it reads the emissivity, the ambient and
// object temperatures and one full Measure, and fails when a value is outside
// what a working sensor can return. With -r it prints the bus transactions as
// i2ctest.IO literals, ready to paste into a playback test.
package mlx90614smoketest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kakou/kakou/drivers/mlx90614"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/host/v3"
)

// The datasheet's factory-calibrated range for the ambient (die) temperature.
const (
	ambientMin = physic.ZeroCelsius - 40*physic.Celsius
	ambientMax = physic.ZeroCelsius + 125*physic.Celsius
)

// SmokeTest is run by a smoke-test runner on the Pi.
type SmokeTest struct {
	// Out receives the report; nil means standard output.
	Out io.Writer
}

// Name implements the SmokeTest interface.
func (s *SmokeTest) Name() string {
	return "mlx90614"
}

// Description implements the SmokeTest interface.
func (s *SmokeTest) Description() string {
	return "Reads emissivity, ambient and object temperature from an MLX90614 over I²C"
}

// Run implements the SmokeTest interface.
func (s *SmokeTest) Run(f *flag.FlagSet, args []string) (err error) {
	busName := f.String("i2c", "", "I²C bus to use (default: the first one, I2C1 on a Pi)")
	addr := f.Uint("ia", 0x5A, "I²C address of the sensor")
	dual := f.Bool("dual", false, "the sensor is a dual-zone part (MLX90614xBx)")
	record := f.Bool("r", false, "print the bus transactions as i2ctest.IO literals")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() != 0 {
		f.Usage()
		return errors.New("mlx90614smoketest: unrecognized arguments")
	}
	if *addr < 0x01 || *addr > 0x7F {
		return fmt.Errorf("mlx90614smoketest: -ia 0x%X: want 0x01-0x7F", *addr)
	}
	if _, err := host.Init(); err != nil {
		return fmt.Errorf("mlx90614smoketest: %w", err)
	}
	bus, err := i2creg.Open(*busName)
	if err != nil {
		return fmt.Errorf("mlx90614smoketest: %w", err)
	}
	defer func() {
		if cerr := bus.Close(); err == nil {
			err = cerr
		}
	}()
	opts := mlx90614.DefaultOpts
	opts.Addr, opts.DualZone = uint16(*addr), *dual
	if !*record {
		return s.run(bus, &opts)
	}
	rec := &i2ctest.Record{Bus: bus}
	err = s.run(rec, &opts)
	s.printOps(rec.Ops)
	return err
}

func (s *SmokeTest) out() io.Writer {
	if s.Out == nil {
		return os.Stdout
	}
	return s.Out
}

func (s *SmokeTest) run(bus i2c.Bus, opts *mlx90614.Opts) (err error) {
	dev, err := mlx90614.New(bus, opts)
	if err != nil {
		return err
	}
	defer func() {
		if herr := dev.Halt(); err == nil {
			err = herr
		}
	}()
	if err := s.readRaw(dev, opts.DualZone); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := dev.Measure(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out(), "%s: measure object %s ambient %s samples %v uncertain %t %s\n",
		dev, r.Object, r.Ambient, r.Samples, r.Uncertain, r.Why)
	return nil
}

// readRaw exercises each low-level read and checks the values are ones a
// working chip can return.
func (s *SmokeTest) readRaw(dev *mlx90614.Dev, dual bool) error {
	e, err := dev.Emissivity()
	if err != nil {
		return err
	}
	if e < 0.1 {
		return fmt.Errorf("mlx90614smoketest: emissivity %.4f: the EEPROM cell looks erased", e)
	}
	amb, err := dev.Ambient()
	if err != nil {
		return err
	}
	if amb < ambientMin || amb > ambientMax {
		return fmt.Errorf("mlx90614smoketest: ambient %s outside the calibrated %s to %s", amb, ambientMin, ambientMax)
	}
	obj, err := dev.Object()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out(), "%s: emissivity %.4f ambient %s object %s\n", dev, e, amb, obj)
	if !dual {
		return nil
	}
	obj2, err := dev.Object2()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out(), "%s: object zone 2 %s\n", dev, obj2)
	return nil
}

func (s *SmokeTest) printOps(ops []i2ctest.IO) {
	w := s.out()
	fmt.Fprintln(w, "[]i2ctest.IO{")
	for _, op := range ops {
		fmt.Fprintf(w, "\t{Addr: 0x%02X, W: %s, R: %s},\n", op.Addr, byteLit(op.W), byteLit(op.R))
	}
	fmt.Fprintln(w, "}")
}

func byteLit(b []byte) string {
	if b == nil {
		return "nil"
	}
	s := "[]byte{"
	for i, v := range b {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("0x%02X", v)
	}
	return s + "}"
}
