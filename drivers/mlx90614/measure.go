package mlx90614

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"periph.io/x/conn/v3/physic"
)

// Reasons a Reading is uncertain, found in Reading.Cause with errors.Is. A
// console can map each to the guard's own language instead of showing Why.
var (
	// ErrSpread: the samples of one person disagree by more than MaxSpread.
	ErrSpread = errors.New("samples disagree")
	// ErrPartial: some samples could not be read (PEC, flag or bus) although
	// others could.
	ErrPartial = errors.New("some samples failed")
	// ErrAmbientRange: the sensor is outside the 0-50 °C where the datasheet
	// promises ±0.5 °C, or its ambient could not be read.
	ErrAmbientRange = errors.New("ambient outside the sensor's accurate range")
)

// The datasheet's ±0.5 °C accuracy holds for Ta and To in 0-50 °C.
const (
	accurateMin = physic.ZeroCelsius
	accurateMax = physic.ZeroCelsius + 50*physic.Celsius
)

// Reading is what the chip measured for one person: the object
// temperature as the sensor saw the skin, not a body temperature. Whether a
// person could have it is for the caller to judge.
type Reading struct {
	// Object is the median object temperature of the samples.
	Object physic.Temperature
	// Ambient is the sensor's own temperature, zero when unreadable.
	Ambient physic.Temperature
	// Samples are the valid object temperatures in the order read.
	Samples []physic.Temperature
	// Uncertain asks for a re-check; it is not a device fault.
	Uncertain bool
	// Why says in English why the reading is uncertain, for logs.
	Why string
	// Cause joins one error per reason, each wrapping ErrSpread, ErrPartial
	// or ErrAmbientRange (and the read error that led to it).
	Cause error
}

// Measure reads the ambient once and Opts.Samples object temperatures
// SampleInterval apart, and returns their median as Reading.Object. It returns an error only
// when no sample could be read; errors.Is(err, ErrNoSensor) then tells a
// device fault, and the guard should take the temperature by hand. Anything
// less is reported in the Reading as Uncertain.
func (d *Dev) Measure(ctx context.Context) (Reading, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var r Reading
	var reasons []error
	amb, err := d.readTemperature(cmdAmbient)
	switch {
	case errors.Is(err, ErrNoSensor):
		// Don't spend Samples×Retries transactions on an unplugged sensor.
		return Reading{}, fmt.Errorf("mlx90614: measure: take the temperature by hand: %w", err)
	case err != nil:
		reasons = append(reasons, fmt.Errorf("%w: ambient unknown: %w", ErrAmbientRange, err))
	default:
		r.Ambient = amb
		reasons = appendErr(reasons, checkAmbient(amb))
	}
	failed, lastErr, err := d.sample(ctx, &r)
	if err != nil {
		return Reading{}, err
	}
	if len(r.Samples) == 0 {
		return Reading{}, fmt.Errorf("mlx90614: measure: none of %d samples readable: %w", d.opts.Samples, lastErr)
	}
	if failed > 0 {
		reasons = append(reasons, fmt.Errorf("%w: %d of %d unreadable, last: %w", ErrPartial, failed, d.opts.Samples, lastErr))
	}
	r.Object = median(r.Samples)
	reasons = appendErr(reasons, d.checkSpread(r.Samples))
	r.setReasons(reasons)
	return r, nil
}

// sample fills r.Samples and counts the samples that failed.
func (d *Dev) sample(ctx context.Context, r *Reading) (failed int, lastErr, err error) {
	r.Samples = make([]physic.Temperature, 0, d.opts.Samples)
	for i := range d.opts.Samples {
		if i > 0 {
			doSleep(d.opts.SampleInterval)
		}
		if err := ctx.Err(); err != nil {
			return 0, nil, fmt.Errorf("mlx90614: measure: %w", err)
		}
		t, err := d.objectSample()
		if err != nil {
			failed, lastErr = failed+1, err
			continue
		}
		r.Samples = append(r.Samples, t)
	}
	return failed, lastErr, nil
}

// objectSample reads zone 1 and, on a dual-zone part, zone 2, keeping the
// warmer: a zone that sees hair or background reads low, and missing a
// fever costs more than a re-check.
func (d *Dev) objectSample() (physic.Temperature, error) {
	t, err := d.readTemperature(cmdObject1)
	if err != nil || !d.opts.DualZone {
		return t, err
	}
	t2, err := d.readTemperature(cmdObject2)
	if err != nil {
		return 0, err
	}
	return max(t, t2), nil
}

func checkAmbient(amb physic.Temperature) error {
	if amb < accurateMin || amb > accurateMax {
		return fmt.Errorf("%w: sensor at %s, accurate only within %s-%s (sun, heater or cold wind on the sensor?)",
			ErrAmbientRange, amb, accurateMin, accurateMax)
	}
	return nil
}

func (d *Dev) checkSpread(s []physic.Temperature) error {
	spread := slices.Max(s) - slices.Min(s)
	if spread > d.opts.MaxSpread {
		return fmt.Errorf("%w: spread %s over %s (the person moved or the aim wandered)", ErrSpread, kelvin(spread), kelvin(d.opts.MaxSpread))
	}
	return nil
}

func (r *Reading) setReasons(reasons []error) {
	if len(reasons) == 0 {
		return
	}
	why := make([]string, len(reasons))
	for i, e := range reasons {
		why[i] = e.Error()
	}
	r.Uncertain, r.Why, r.Cause = true, strings.Join(why, "; "), errors.Join(reasons...)
}

func appendErr(errs []error, err error) []error {
	if err == nil {
		return errs
	}
	return append(errs, err)
}

// median of a non-empty slice; an even count averages the middle two.
func median(s []physic.Temperature) physic.Temperature {
	c := slices.Clone(s)
	slices.Sort(c)
	m := len(c) / 2
	if len(c)%2 == 1 {
		return c[m]
	}
	return c[m-1] + (c[m]-c[m-1])/2
}
