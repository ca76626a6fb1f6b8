package sensors

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/kakou/kakou/drivers/mlx90614"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/i2c"
)

// MLX90614 is the IR thermometer on an I2C bus. It probes the sensor
// lazily and again after every fault, so a unit that boots with the sensor
// unplugged, or loses it mid-shift, recovers by itself when it returns;
// until then each Measure fails and the pipeline asks for a re-check.
type MLX90614 struct {
	bus  i2c.Bus
	opts mlx90614.Opts
	body Body

	mu      sync.Mutex
	dev     *mlx90614.Dev
	lastErr error // of the last Measure, for Health
}

// NewMLX90614 returns a thermometer on bus that reads the chip with opts
// and judges its readings with body. It checks body but does not touch the
// bus yet; the chip's options are checked at its first probe.
func NewMLX90614(bus i2c.Bus, opts mlx90614.Opts, body Body) (*MLX90614, error) {
	if err := body.Validate(); err != nil {
		return nil, err
	}
	return &MLX90614{bus: bus, opts: opts, body: body}, nil
}

// Measure implements screening.Thermometer.
func (m *MLX90614) Measure(ctx context.Context) (policy.Reading, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.measure(ctx)
	m.lastErr = err
	return r, err
}

func (m *MLX90614) measure(ctx context.Context) (policy.Reading, error) {
	if m.dev == nil {
		dev, err := mlx90614.New(m.bus, &m.opts)
		if err != nil {
			return policy.Reading{}, fmt.Errorf("thermometer fault: %w", err)
		}
		m.dev = dev
	}
	r, err := m.dev.Measure(ctx)
	if err != nil {
		if errors.Is(err, mlx90614.ErrNoSensor) {
			m.dev = nil // probe again next time: the sensor may be replugged
		}
		return policy.Reading{}, fmt.Errorf("thermometer fault: %w", err)
	}
	return m.body.Reading(r), nil
}

// Health reports a fault when the last reading failed; it clears with the
// next good reading.
func (m *MLX90614) Health() wire.Device {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lastErr != nil {
		return wire.Device{Name: "thermometer", Detail: m.lastErr.Error() + "; enter temperatures by hand until it recovers"}
	}
	return wire.Device{Name: "thermometer", OK: true}
}
