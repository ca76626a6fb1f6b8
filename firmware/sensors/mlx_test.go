package sensors

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kakou/kakou/drivers/mlx90614"
	"periph.io/x/conn/v3/physic"
)

// sensorBus answers SMBus read-word commands like an MLX90614 at 0x5A, with
// correct PECs, until it is unplugged. It stands at the hardware edge.
type sensorBus struct {
	words     map[byte]uint16
	unplugged bool
}

func (b *sensorBus) String() string                  { return "sensorBus" }
func (b *sensorBus) SetSpeed(physic.Frequency) error { return nil }
func (b *sensorBus) Tx(addr uint16, w, r []byte) error {
	if b.unplugged {
		return errors.New("i2c: remote I/O error (NACK)")
	}
	if len(w) != 1 || len(r) != 3 {
		return errors.New("sensorBus: only read-word is wired")
	}
	v, ok := b.words[w[0]]
	if !ok {
		return errors.New("sensorBus: no such register")
	}
	lo, hi := byte(v), byte(v>>8)
	a := byte(addr << 1)
	r[0], r[1], r[2] = lo, hi, mlx90614.PEC(a, w[0], a|1, lo, hi)
	return nil
}

// kelvin50 encodes °C in the sensor's 0.02 K units.
func kelvin50(c float64) uint16 { return uint16((c + 273.15) * 50) }

func TestMLX90614RecoversWhenTheSensorReturns(t *testing.T) {
	bus := &sensorBus{unplugged: true, words: map[byte]uint16{
		0x24: 0xFFFF,          // emissivity 1.0
		0x06: kelvin50(22.0),  // ambient
		0x07: kelvin50(36.30), // forehead
	}}
	opts := mlx90614.DefaultOpts
	opts.SampleInterval = 0
	body := DefaultBody
	body.Offset = 500 * physic.MilliKelvin
	th, err := NewMLX90614(bus, opts, body)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if _, err := th.Measure(ctx); err == nil || !strings.Contains(err.Error(), "thermometer fault") ||
		!errors.Is(err, mlx90614.ErrNoSensor) {
		t.Fatalf("unplugged sensor: got %v, want a thermometer fault wrapping ErrNoSensor", err)
	}
	if h := th.Health(); h.OK || !strings.Contains(h.Detail, "by hand") {
		t.Fatalf("health while unplugged: %+v", h)
	}
	bus.unplugged = false
	r, err := th.Measure(ctx)
	if err != nil {
		t.Fatalf("after replug: %v", err)
	}
	if got := float64(r.Body-physic.ZeroCelsius) / float64(physic.Kelvin); got < 36.7 || got > 36.9 || r.Uncertain {
		t.Fatalf("body %.2f °C uncertain=%v, want about 36.8 and certain", got, r.Uncertain)
	}
	if len(r.Samples) != opts.Samples {
		t.Fatalf("%d samples kept, want %d", len(r.Samples), opts.Samples)
	}
	if h := th.Health(); !h.OK {
		t.Fatalf("health after a good reading: %+v", h)
	}
	bus.unplugged = true
	if _, err := th.Measure(ctx); err == nil {
		t.Fatal("unplugged again: no error")
	}
	bus.unplugged = false
	if _, err := th.Measure(ctx); err != nil {
		t.Fatalf("second replug: %v", err)
	}
}
