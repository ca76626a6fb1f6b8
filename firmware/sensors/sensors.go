// Package sensors adapts the drivers in drivers/ to the interfaces the
// screening pipeline declares, so drivers stay free of firmware types and
// the pipeline stays free of driver details.
package sensors

import (
	"context"
	"fmt"

	"github.com/kakou/kakou/drivers/mlx90614"
	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/policy"
	"periph.io/x/conn/v3/physic"
)

// SimThermometer reads the simulated crowd's foreheads and applies the
// installation's forehead-to-body offset, as a real sensor's driver does.
type SimThermometer struct {
	Crowd  *sim.Crowd
	Offset physic.Temperature
}

// Measure implements screening.Thermometer.
func (s SimThermometer) Measure(ctx context.Context) (policy.Reading, error) {
	raw, err := s.Crowd.Measure(ctx)
	if err != nil {
		return policy.Reading{}, err
	}
	return policy.Reading{Raw: raw, Body: raw + s.Offset}, nil
}

// MLX90614 is the IR thermometer; the driver takes several samples, applies
// the offset and ambient compensation and says when it doubts the result.
type MLX90614 struct{ Dev *mlx90614.Dev }

// Measure implements screening.Thermometer.
func (m MLX90614) Measure(ctx context.Context) (policy.Reading, error) {
	r, err := m.Dev.Measure(ctx)
	if err != nil {
		return policy.Reading{}, fmt.Errorf("thermometer fault: %w", err)
	}
	return policy.Reading{Raw: r.Raw, Body: r.Body, Uncertain: r.Uncertain, Why: r.Why}, nil
}
