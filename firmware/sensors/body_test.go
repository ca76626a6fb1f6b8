package sensors

import (
	"context"
	"strings"
	"testing"

	"github.com/kakou/kakou/drivers/mlx90614"
	"periph.io/x/conn/v3/physic"
)

func celsius(c float64) physic.Temperature {
	return physic.ZeroCelsius + physic.Temperature(c*float64(physic.Kelvin))
}

func TestBodyCorrectsAndJudgesWhatTheChipMeasured(t *testing.T) {
	withOffset := func(k float64) Body {
		b := DefaultBody
		b.Offset = physic.Temperature(k * float64(physic.Kelvin))
		return b
	}
	compensated := withOffset(1)
	compensated.AmbientGain = 0.25
	tests := []struct {
		name     string
		body     Body
		in       mlx90614.Reading
		wantBody physic.Temperature
		wantWhy  string // "" means certain
	}{
		{"a forehead plus the offset is the body value", withOffset(0.5),
			mlx90614.Reading{Object: celsius(36.3), Ambient: celsius(22)}, celsius(36.8), ""},
		{"an offset of zero is no offset, not a default", withOffset(0),
			mlx90614.Reading{Object: celsius(36.3), Ambient: celsius(22)}, celsius(36.3), ""},
		// Body = 35 + 1 + 0.25 × (25 − 15) = 38.5 °C.
		{"cold air is compensated", compensated,
			mlx90614.Reading{Object: celsius(35), Ambient: celsius(15)}, celsius(38.5), ""},
		{"an unknown ambient skips compensation", compensated,
			mlx90614.Reading{Object: celsius(35), Uncertain: true, Why: "ambient unknown"}, celsius(36), "ambient unknown"},
		{"a cold hand is implausible", DefaultBody,
			mlx90614.Reading{Object: celsius(30), Ambient: celsius(25)}, celsius(30), "a hand"},
		{"a hot drink is implausible", DefaultBody,
			mlx90614.Reading{Object: celsius(60), Ambient: celsius(25)}, celsius(60), "a drink"},
		{"the chip's doubts come before the body's", DefaultBody,
			mlx90614.Reading{Object: celsius(30), Ambient: celsius(25), Uncertain: true, Why: "samples disagree: spread"},
			celsius(30), "samples disagree: spread; body temperature implausible: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.body.Reading(tt.in)
			if d := r.Body - tt.wantBody; d > physic.MicroKelvin || d < -physic.MicroKelvin {
				t.Errorf("Body = %s, want %s", r.Body, tt.wantBody)
			}
			if r.Raw != tt.in.Object {
				t.Errorf("Raw = %s, want the chip's %s", r.Raw, tt.in.Object)
			}
			if r.Uncertain != (tt.wantWhy != "") || !strings.Contains(r.Why, tt.wantWhy) {
				t.Errorf("Uncertain %v, Why %q; want %q", r.Uncertain, r.Why, tt.wantWhy)
			}
		})
	}
}

func TestBodyValidateNamesEveryBadField(t *testing.T) {
	b := Body{Offset: 4 * physic.Kelvin, AmbientGain: 2, MinPlausible: celsius(44), MaxPlausible: celsius(43), AmbientRef: celsius(25)}
	err := b.Validate()
	for _, want := range []string{"Offset 4.00 K", "AmbientGain 2", "MinPlausible"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to name %q", err, want)
		}
	}
	if err := DefaultBody.Validate(); err != nil {
		t.Errorf("DefaultBody: %v", err)
	}
	if _, err := NewMLX90614(&sensorBus{}, mlx90614.DefaultOpts, b); err == nil {
		t.Error("NewMLX90614 took an invalid Body")
	}
}

func TestMLX90614RefusesAnImplausibleReadingAsTheUnitAlwaysHas(t *testing.T) {
	bus := &sensorBus{words: map[byte]uint16{
		0x24: 0xFFFF, 0x06: kelvin50(22.0), 0x07: kelvin50(30.0), // a hand
	}}
	opts := mlx90614.DefaultOpts
	opts.SampleInterval = 0
	th, err := NewMLX90614(bus, opts, DefaultBody)
	if err != nil {
		t.Fatal(err)
	}
	r, err := th.Measure(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Uncertain || !strings.HasPrefix(r.Why, ErrImplausible.Error()) || !strings.Contains(r.Why, "a hand") {
		t.Errorf("reading %+v, want uncertain: implausible, a hand", r)
	}
}
