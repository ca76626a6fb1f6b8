package sensors

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kakou/kakou/drivers/mlx90614"
	"github.com/kakou/kakou/firmware/policy"
	"periph.io/x/conn/v3/physic"
)

// ErrImplausible marks a body temperature no person at the gate has: the
// sensor saw a hand, hair, a hat or a hot drink instead of a forehead.
var ErrImplausible = errors.New("body temperature implausible")

// Body turns what an IR thermometer measured on the skin into a body
// temperature and judges whether a person could have it. The drivers report
// only what the chip measured; this judgement belongs to the installation
// (docs/product.md "Numbers worth knowing": IR forehead readings need an offset or compensation and a
// plausible range).
type Body struct {
	// Offset turns a forehead (skin) reading into a body temperature. It
	// depends on the distance, the housing and the people, so calibrate it
	// on site against a clinical thermometer; within ±3 K, and 0 is valid.
	Offset physic.Temperature
	// AmbientGain and AmbientRef compensate skin cooling in cold air:
	// Body = Object + Offset + AmbientGain×(AmbientRef−Ambient). Gain 0
	// disables it; fit it on site, it is at most 1.
	AmbientGain float64
	AmbientRef  physic.Temperature
	// MinPlausible and MaxPlausible bound a believable body temperature; a
	// reading outside them is marked uncertain and measured again.
	MinPlausible physic.Temperature
	MaxPlausible physic.Temperature
}

// DefaultBody has no offset and no ambient compensation, and believes
// 34-43 °C. Start from it and set what the site calibrated.
var DefaultBody = Body{
	AmbientRef:   physic.ZeroCelsius + 25*physic.Celsius,
	MinPlausible: physic.ZeroCelsius + 34*physic.Celsius,
	MaxPlausible: physic.ZeroCelsius + 43*physic.Celsius,
}

// The MLX90614 datasheet's ±0.5 °C accuracy holds within 0-50 °C, so a
// compensation referred to an ambient outside it means nothing.
const (
	ambientRefMin = physic.ZeroCelsius
	ambientRefMax = physic.ZeroCelsius + 50*physic.Celsius
)

// Validate reports every problem at once, each naming its field.
func (b Body) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if b.Offset < -3*physic.Kelvin || b.Offset > 3*physic.Kelvin {
		bad("Offset %s: want within ±3 K, more means the sensor is mis-aimed", kelvin(b.Offset))
	}
	if b.AmbientGain < 0 || b.AmbientGain > 1 {
		bad("AmbientGain %g: want 0-1", b.AmbientGain)
	}
	if b.AmbientRef < ambientRefMin || b.AmbientRef > ambientRefMax {
		bad("AmbientRef %s: want %s-%s", b.AmbientRef, ambientRefMin, ambientRefMax)
	}
	if b.MinPlausible <= physic.ZeroCelsius || b.MinPlausible >= b.MaxPlausible {
		bad("MinPlausible %s, MaxPlausible %s: want 0°C < min < max", b.MinPlausible, b.MaxPlausible)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("sensors: invalid Body: %w", errors.Join(errs...))
}

// Reading is the pipeline's view of one measurement: the chip's doubts
// first, then whether the body value is believable.
func (b Body) Reading(r mlx90614.Reading) policy.Reading {
	body := r.Object + b.Offset + b.compensation(r.Ambient)
	out := policy.Reading{Raw: r.Object, Body: body, Uncertain: r.Uncertain, Why: r.Why, Samples: r.Samples}
	if err := b.checkPlausible(body); err != nil {
		out.Uncertain = true
		out.Why = strings.Join(nonEmpty(out.Why, err.Error()), "; ")
	}
	return out
}

// compensation is the ambient term of the body value; zero when disabled
// or when the ambient could not be read.
func (b Body) compensation(amb physic.Temperature) physic.Temperature {
	if b.AmbientGain == 0 || amb == 0 {
		return 0
	}
	return physic.Temperature(b.AmbientGain * float64(b.AmbientRef-amb))
}

func (b Body) checkPlausible(body physic.Temperature) error {
	switch {
	case body < b.MinPlausible:
		return fmt.Errorf("%w: %s is below %s (not a forehead? a hand, hair, a hat, or too far away)", ErrImplausible, body, b.MinPlausible)
	case body > b.MaxPlausible:
		return fmt.Errorf("%w: %s is above %s (a hot object in view? a drink, a heater, sunlight)", ErrImplausible, body, b.MaxPlausible)
	}
	return nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// kelvin formats a temperature difference; physic.Temperature's String
// would print it as an absolute °C value.
func kelvin(t physic.Temperature) string {
	return fmt.Sprintf("%.2f K", float64(t)/float64(physic.Kelvin))
}
