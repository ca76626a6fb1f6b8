package mlx90614

import (
	"errors"
	"time"

	"periph.io/x/conn/v3/physic"
)

var _ physic.SenseEnv = &Dev{}

// Sense implements physic.SenseEnv: Temperature is one object reading
// (zone 1, or the warmer zone with DualZone), what the sensor points at.
// Ambient reads the chip's own temperature; Measure takes several samples.
func (d *Dev) Sense(e *physic.Env) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, err := d.objectSample()
	if err != nil {
		return err
	}
	e.Temperature = t
	return nil
}

// SenseContinuous implements physic.SenseEnv: it reads the object
// temperature every interval until Halt, which closes the channel. A
// failed read is skipped rather than sent as 0 K. The chip refreshes its
// RAM at the rate its filter settings allow, so a very short interval only
// repeats values. A second call replaces the first.
func (d *Dev) SenseContinuous(interval time.Duration) (<-chan physic.Env, error) {
	if interval <= 0 {
		return nil, errors.New("mlx90614: SenseContinuous: interval must be positive")
	}
	d.cmu.Lock()
	defer d.cmu.Unlock()
	d.stopSensing()
	out := make(chan physic.Env)
	stop := make(chan struct{})
	d.stop = stop
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer close(out)
		d.senseEvery(interval, out, stop)
	}()
	return out, nil
}

func (d *Dev) senseEvery(interval time.Duration, out chan<- physic.Env, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		var e physic.Env
		if d.Sense(&e) != nil {
			continue
		}
		select {
		case out <- e:
		case <-stop:
			return
		}
	}
}

// stopSensing ends continuous sensing and waits for it; d.cmu must be held.
func (d *Dev) stopSensing() {
	if d.stop == nil {
		return
	}
	close(d.stop)
	d.stop = nil
	d.wg.Wait()
}

// Precision implements physic.SenseEnv: the RAM temperatures step by
// 0.02 K, as decodeTemperature reads them. The accuracy is far coarser: ±0.5 °C, or
// ±0.2 °C for the medical parts, within 0-50 °C.
func (d *Dev) Precision(e *physic.Env) {
	e.Temperature = 20 * physic.MilliKelvin
}
