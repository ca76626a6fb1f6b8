package mlx90614

import (
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"
)

func TestSenseReportsTheObjectTemperature(t *testing.T) {
	bus := &i2ctest.Playback{DontPanic: true, Ops: objects(36.51)}
	var e physic.Env
	if err := newDev(bus, DefaultOpts).Sense(&e); err != nil {
		t.Fatal(err)
	}
	if e.Temperature != tempC(36.51) {
		t.Errorf("Sense Temperature = %s, want %s", e.Temperature, tempC(36.51))
	}
	closeBus(t, bus)
}

func TestSenseLeavesTheEnvAloneWhenTheReadFails(t *testing.T) {
	bus := &i2ctest.Playback{DontPanic: true}
	e := physic.Env{Temperature: tempC(20.01)}
	o := DefaultOpts
	o.Retries = 0
	if err := newDev(bus, o).Sense(&e); err == nil {
		t.Fatal("Sense on an empty bus: no error")
	}
	if e.Temperature != tempC(20.01) {
		t.Errorf("Temperature = %s after a failed read, want it unchanged", e.Temperature)
	}
}

func TestPrecisionIsOneRAMStep(t *testing.T) {
	var e physic.Env
	newDev(echoBus{}, DefaultOpts).Precision(&e)
	if e.Temperature != 20*physic.MilliKelvin {
		t.Errorf("Precision = %d µK, want 20 mK", e.Temperature/physic.MicroKelvin)
	}
}

func TestSenseContinuousSendsUntilHaltClosesTheChannel(t *testing.T) {
	d := newDev(echoBus{v: rawC(36.51)}, DefaultOpts)
	if _, err := d.SenseContinuous(0); err == nil {
		t.Error("SenseContinuous(0): no error")
	}
	first, err := d.SenseContinuous(time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if e := <-first; e.Temperature != tempC(36.51) {
		t.Errorf("first value %s, want %s", e.Temperature, tempC(36.51))
	}
	second, err := d.SenseContinuous(time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := <-first; ok {
		// One value may already be in flight; the channel must close after it.
		if _, ok := <-first; ok {
			t.Error("a second SenseContinuous left the first channel open")
		}
	}
	if e := <-second; e.Temperature != tempC(36.51) {
		t.Errorf("second value %s, want %s", e.Temperature, tempC(36.51))
	}
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	for range second {
	}
	if err := d.Halt(); err != nil {
		t.Errorf("second Halt = %v", err)
	}
}

func TestZeroRetriesReadsOnce(t *testing.T) {
	play := &i2ctest.Playback{DontPanic: true}
	bus := &flakyBus{fails: 99, Playback: play}
	o := DefaultOpts
	o.Retries = 0
	if _, err := newDev(bus, o).Ambient(); err == nil {
		t.Fatal("Ambient on a dead bus: no error")
	}
	if bus.calls != 1 {
		t.Errorf("bus saw %d transactions, want 1: Retries 0 means no retry", bus.calls)
	}
}
