package mlx90614

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"
)

// objects answers one read of Tobj1 per temperature, in °C.
func objects(cs ...float64) []i2ctest.IO {
	var io []i2ctest.IO
	for _, c := range cs {
		io = append(io, word(sa, 0x07, rawC(c)))
	}
	return io
}

func ambient(c float64) []i2ctest.IO { return []i2ctest.IO{word(sa, 0x06, rawC(c))} }

func TestMeasure(t *testing.T) {
	noRetry := func(o *Opts) { o.Retries = -1 }
	tests := []struct {
		name      string
		opts      func(*Opts)
		ops       []i2ctest.IO
		wantRaw   physic.Temperature
		wantN     int     // valid samples
		reasons   []error // nil: certain
		wantWhy   string  // substring of Why
		wantNoAmb bool
	}{
		{
			name:    "steady forehead is certain",
			ops:     ops(ambient(25.01), objects(36.51, 36.51, 36.51, 36.51, 36.51)),
			wantRaw: tempC(36.51), wantN: 5,
		},
		{
			name:    "median of five ignores the order",
			ops:     ops(ambient(25.01), objects(36.51, 36.61, 36.41, 36.71, 36.55)),
			wantRaw: tempC(36.55), wantN: 5,
		},
		{
			name:    "even count averages the middle two",
			opts:    func(o *Opts) { o.Samples = 4 },
			ops:     ops(ambient(25.01), objects(36.51, 36.61, 36.41, 36.71)),
			wantRaw: (tempC(36.51) + tempC(36.61)) / 2, wantN: 4,
		},
		{
			name:    "spread beyond MaxSpread is uncertain",
			ops:     ops(ambient(25.01), objects(36.01, 36.81, 36.51, 36.51, 36.51)),
			wantRaw: tempC(36.51), wantN: 5, reasons: []error{ErrSpread}, wantWhy: "spread 0.80 K over 0.50 K",
		},
		{
			name: "a sample with a bad PEC is partial",
			opts: noRetry,
			ops: ops(ambient(25.01), objects(36.51, 36.51), []i2ctest.IO{corrupt(word(sa, 0x07, rawC(36.51)))},
				objects(36.51, 36.51)),
			wantRaw: tempC(36.51), wantN: 4, reasons: []error{ErrPartial, ErrPEC}, wantWhy: "1 of 5 unreadable",
		},
		{
			name: "a flagged sample is partial",
			ops: ops(ambient(25.01), objects(36.51), []i2ctest.IO{word(sa, 0x07, 0x8000|rawC(36.51))},
				objects(36.51, 36.51, 36.51)),
			wantRaw: tempC(36.51), wantN: 4, reasons: []error{ErrPartial, ErrFlag},
		},
		{
			name:    "sensor unplugged mid-measure is partial",
			ops:     ops(ambient(25.01), objects(36.51, 36.51)),
			wantRaw: tempC(36.51), wantN: 2, reasons: []error{ErrPartial, ErrNoSensor}, wantWhy: "3 of 5 unreadable",
		},
		{
			name:    "sensor in the sun is outside its accurate range",
			ops:     ops(ambient(55.01), objects(36.51, 36.51, 36.51, 36.51, 36.51)),
			wantRaw: tempC(36.51), wantN: 5, reasons: []error{ErrAmbientRange}, wantWhy: "accurate only within",
		},
		{
			name: "unreadable ambient is uncertain",
			ops: ops([]i2ctest.IO{word(sa, 0x06, 0x8000|rawC(25.01))},
				objects(36.51, 36.51, 36.51, 36.51, 36.51)),
			wantRaw: tempC(36.51), wantN: 5, reasons: []error{ErrAmbientRange, ErrFlag}, wantNoAmb: true,
		},
		{
			// The chip reports skin as it is; a cold hand is for the caller to judge.
			name:    "a cold hand is reported as measured",
			ops:     ops(ambient(25.01), objects(30.01, 30.01, 30.01, 30.01, 30.01)),
			wantRaw: tempC(30.01), wantN: 5,
		},
		{
			name:    "zero MaxSpread demands identical samples",
			opts:    func(o *Opts) { o.MaxSpread = 0 },
			ops:     ops(ambient(25.01), objects(36.51, 36.53, 36.51, 36.51, 36.51)),
			wantRaw: tempC(36.51), wantN: 5, reasons: []error{ErrSpread},
		},
		{
			name: "dual zone keeps the warmer zone",
			opts: func(o *Opts) { o.DualZone, o.Samples = true, 2 },
			ops: ops(ambient(25.01),
				[]i2ctest.IO{word(sa, 0x07, rawC(35.01)), word(sa, 0x08, rawC(36.51))},
				[]i2ctest.IO{word(sa, 0x07, rawC(36.61)), word(sa, 0x08, rawC(36.41))}),
			wantRaw: (tempC(36.51) + tempC(36.61)) / 2, wantN: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recordSleeps(t)
			o := DefaultOpts
			if tt.opts != nil {
				tt.opts(&o)
			}
			if err := o.validate(); err != nil {
				t.Fatal(err)
			}
			bus := &i2ctest.Playback{Ops: tt.ops, DontPanic: true}
			r, err := newDev(bus, o).Measure(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if r.Object != tt.wantRaw || len(r.Samples) != tt.wantN {
				t.Errorf("Object %s with %d samples, want %s with %d", r.Object, len(r.Samples), tt.wantRaw, tt.wantN)
			}
			if tt.wantNoAmb != (r.Ambient == 0) {
				t.Errorf("Ambient = %s", r.Ambient)
			}
			checkReasons(t, r, tt.reasons, tt.wantWhy)
			closeBus(t, bus)
		})
	}
}

func checkReasons(t *testing.T, r Reading, reasons []error, why string) {
	t.Helper()
	if r.Uncertain != (reasons != nil) || (r.Cause == nil) != (reasons == nil) {
		t.Errorf("Uncertain = %v, Cause = %v; want reasons %v", r.Uncertain, r.Cause, reasons)
	}
	for _, want := range reasons {
		if !errors.Is(r.Cause, want) {
			t.Errorf("Cause = %v, want it to wrap %v", r.Cause, want)
		}
	}
	if !strings.Contains(r.Why, why) {
		t.Errorf("Why = %q, want it to contain %q", r.Why, why)
	}
}

func TestMeasureFails(t *testing.T) {
	tests := []struct {
		name    string
		ops     []i2ctest.IO
		wantErr error
	}{
		{name: "unplugged sensor is a device fault", wantErr: ErrNoSensor},
		{
			name:    "no sample with a good PEC",
			ops:     ops(ambient(25.01), slices.Repeat([]i2ctest.IO{corrupt(word(sa, 0x07, rawC(36.51)))}, 5)),
			wantErr: ErrPEC,
		},
		{
			name:    "every sample flagged",
			ops:     ops(ambient(25.01), slices.Repeat([]i2ctest.IO{word(sa, 0x07, 0xFFFF)}, 5)),
			wantErr: ErrFlag,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recordSleeps(t)
			o := DefaultOpts
			o.Retries = -1
			bus := &i2ctest.Playback{Ops: tt.ops, DontPanic: true}
			_, err := newDev(bus, o).Measure(context.Background())
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Measure() error = %v, want %v", err, tt.wantErr)
			}
			closeBus(t, bus)
		})
	}
}

func TestMeasureNamesWhatToDoWhenTheSensorIsGone(t *testing.T) {
	bus := &i2ctest.Playback{DontPanic: true}
	_, err := newDev(bus, DefaultOpts).Measure(context.Background())
	for _, want := range []string{"take the temperature by hand", "check wiring"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Measure() error = %v, want it to contain %q", err, want)
		}
	}
}

func TestMeasureWaitsSampleIntervalBetweenSamples(t *testing.T) {
	slept := recordSleeps(t)
	bus := &i2ctest.Playback{DontPanic: true, Ops: ops(ambient(25.01), objects(36.51, 36.51, 36.51, 36.51, 36.51))}
	if _, err := newDev(bus, DefaultOpts).Measure(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := slices.Repeat([]time.Duration{DefaultOpts.SampleInterval}, 4)
	if !slices.Equal(*slept, want) {
		t.Errorf("slept %v, want %v", *slept, want)
	}
	closeBus(t, bus)
}

func TestMeasureStopsWhenContextEnds(t *testing.T) {
	recordSleeps(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	bus := &i2ctest.Playback{DontPanic: true, Ops: ambient(25.01)}
	_, err := newDev(bus, DefaultOpts).Measure(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Measure() error = %v, want context.Canceled", err)
	}
	closeBus(t, bus)
}

// echoBus answers every read word with the same value and a good PEC, for
// benchmarks that should not run out of playback.
type echoBus struct{ v uint16 }

func (echoBus) String() string                  { return "echo" }
func (echoBus) SetSpeed(physic.Frequency) error { return nil }
func (e echoBus) Tx(addr uint16, w, r []byte) error {
	io := word(addr, w[0], e.v)
	copy(r, io.R)
	return nil
}

func BenchmarkMeasure(b *testing.B) {
	old := doSleep
	doSleep = func(time.Duration) {}
	defer func() { doSleep = old }()
	d := newDev(echoBus{v: rawC(36.51)}, DefaultOpts)
	for b.Loop() {
		if _, err := d.Measure(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
