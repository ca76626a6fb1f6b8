package mlx90614

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"
)

const sa = 0x5A // factory address

// rawC is the RAM word for c °C; odd hundredths (36.51) are exact at
// 0.02 K per LSB.
func rawC(c float64) uint16 { return uint16(math.Round((c + 273.15) / 0.02)) }

// tempC is what the driver decodes from rawC(c).
func tempC(c float64) physic.Temperature {
	return physic.Temperature(rawC(c)) * 20 * physic.MilliKelvin
}

// word is the chip at a answering a read word of cmd with v and a good PEC.
func word(a uint16, cmd byte, v uint16) i2ctest.IO {
	lo, hi := byte(v), byte(v>>8)
	return i2ctest.IO{Addr: a, W: []byte{cmd}, R: []byte{lo, hi, PEC(byte(a<<1), cmd, byte(a<<1)|1, lo, hi)}}
}

// corrupt flips the lowest bit of the PEC, as line noise would.
func corrupt(io i2ctest.IO) i2ctest.IO {
	r := append([]byte(nil), io.R...)
	r[2] ^= 0x01
	return i2ctest.IO{Addr: io.Addr, W: io.W, R: r}
}

// probe is what New reads: emissivity 1.0 and an ambient of 25.01 °C.
func probe(a uint16) []i2ctest.IO {
	return []i2ctest.IO{word(a, 0x24, 0xFFFF), word(a, 0x06, rawC(25.01))}
}

func ops(groups ...[]i2ctest.IO) []i2ctest.IO {
	var all []i2ctest.IO
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

// closeBus fails the test when the playback did not run to its end.
func closeBus(t *testing.T, bus *i2ctest.Playback) {
	t.Helper()
	if err := bus.Close(); err != nil {
		t.Error(err)
	}
}

// recordSleeps replaces doSleep for the test and returns the waits asked for.
func recordSleeps(t *testing.T) *[]time.Duration {
	var slept []time.Duration
	old := doSleep
	doSleep = func(d time.Duration) { slept = append(slept, d) }
	t.Cleanup(func() { doSleep = old })
	return &slept
}

// flakyBus fails its first fails transactions, like a loose connector, then
// plays back.
type flakyBus struct {
	fails int
	calls int
	*i2ctest.Playback
}

func (f *flakyBus) Tx(addr uint16, w, r []byte) error {
	f.calls++
	if f.fails > 0 {
		f.fails--
		return errors.New("remote I/O error")
	}
	return f.Playback.Tx(addr, w, r)
}

func TestObjectDecodesDatasheetReadExample(t *testing.T) {
	// Read word of RAM 0x07 from 0x5A: the frame is B4 07 B5 D2 3A and the
	// chip's PEC is 0x30, so Tobj1 = 0x3AD2 = 15058 × 0.02 K = 301.16 K.
	bus := &i2ctest.Playback{DontPanic: true, Ops: ops(probe(sa), []i2ctest.IO{
		{Addr: 0x5A, W: []byte{0x07}, R: []byte{0xD2, 0x3A, 0x30}},
	})}
	d, err := New(bus, &DefaultOpts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Object()
	if err != nil {
		t.Fatal(err)
	}
	if want := 301160 * physic.MilliKelvin; got != want {
		t.Errorf("Object() = %s, want %s", got, want)
	}
	if c := got.Celsius(); math.Abs(c-28.01) > 1e-9 {
		t.Errorf("Object() = %v °C, want 28.01 °C", c)
	}
	closeBus(t, bus)
}

func TestAmbientDecodesLogicAnalyzerCapture(t *testing.T) {
	// A captured read of RAM 0x06 at 0x5A: DF 3A CF, 0x3ADF = 301.42 K.
	bus := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: 0x5A, W: []byte{0x06}, R: []byte{0xDF, 0x3A, 0xCF}},
	}}
	got, err := newDev(bus, DefaultOpts).Ambient()
	if err != nil {
		t.Fatal(err)
	}
	if want := 301420 * physic.MilliKelvin; got != want {
		t.Errorf("Ambient() = %s, want %s", got, want)
	}
	closeBus(t, bus)
}

func TestNew(t *testing.T) {
	single, dual := uint16(0x9FB4), uint16(0x9FF4) // Config Register1, bit 6 = dual
	tests := []struct {
		name    string
		opts    *Opts
		ops     []i2ctest.IO
		wantErr error    // nil: success, unless wantMsg is set
		wantMsg []string // substrings of the error
	}{
		{name: "defaults probe emissivity and ambient", opts: &DefaultOpts, ops: probe(sa)},
		{name: "nil opts mean defaults", ops: probe(sa)},
		{name: "another address", opts: with(func(o *Opts) { o.Addr = 0x5B }), ops: probe(0x5B)},
		{name: "zero fields are used as given, not defaulted", opts: &Opts{Addr: 0x5B}, wantMsg: []string{"Samples 0: want 1-64"}},
		{name: "dual zone checks config", opts: with(func(o *Opts) { o.DualZone = true }), ops: ops(probe(sa), []i2ctest.IO{word(sa, 0x25, dual)})},
		{
			name: "dual zone on a single-zone chip is refused", opts: with(func(o *Opts) { o.DualZone = true }),
			ops:     ops(probe(sa), []i2ctest.IO{word(sa, 0x25, single)}),
			wantMsg: []string{"configured for one IR sensor"},
		},
		{name: "address beyond 7 bits", opts: with(func(o *Opts) { o.Addr = 0x80 }), wantMsg: []string{"Addr 0x80"}},
		{
			name: "every bad option is reported", opts: &Opts{Samples: -1, Addr: 0x80, MaxSpread: 6 * physic.Kelvin},
			wantMsg: []string{"Samples -1", "Addr 0x80", "MaxSpread 6.00 K"},
		},
		{
			name: "nothing answers", opts: &DefaultOpts, wantErr: ErrNoSensor,
			wantMsg: []string{"mlx90614: no sensor at 0x5A on the I2C bus: check wiring"},
		},
		{
			name: "wrong PEC on every try", opts: with(func(o *Opts) { o.Retries = -1 }),
			ops:     []i2ctest.IO{corrupt(word(sa, 0x24, 0xFFFF))},
			wantErr: ErrPEC, wantMsg: []string{"read 0x24: PEC mismatch"},
		},
		{
			name: "ambient flagged by the chip", opts: &DefaultOpts,
			ops:     []i2ctest.IO{word(sa, 0x24, 0xFFFF), word(sa, 0x06, 0x8000|rawC(25.01))},
			wantErr: ErrFlag,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bus := &i2ctest.Playback{Ops: tt.ops, DontPanic: true}
			d, err := New(bus, tt.opts)
			if tt.wantErr == nil && tt.wantMsg == nil {
				if err != nil {
					t.Fatal(err)
				}
				if d == nil {
					t.Fatal("New returned nil Dev")
				}
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("New() error = %v, want %v", err, tt.wantErr)
			}
			for _, s := range tt.wantMsg {
				if err == nil || !strings.Contains(err.Error(), s) {
					t.Errorf("New() error = %v, want it to contain %q", err, s)
				}
			}
			closeBus(t, bus)
		})
	}
}

// with is DefaultOpts changed by edit.
func with(edit func(*Opts)) *Opts {
	o := DefaultOpts
	edit(&o)
	return &o
}

func TestReadRetriesAfterPECMismatch(t *testing.T) {
	good := word(sa, 0x07, rawC(36.51))
	bus := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{corrupt(good), corrupt(good), good}}
	got, err := newDev(bus, DefaultOpts).Object()
	if err != nil {
		t.Fatal(err)
	}
	if want := tempC(36.51); got != want {
		t.Errorf("Object() = %s, want %s", got, want)
	}
	closeBus(t, bus)
}

func TestReadFailsWithPECMismatchWhenRetriesRunOut(t *testing.T) {
	// The datasheet frame with its PEC off by one bit: 0x31 instead of 0x30.
	bad := i2ctest.IO{Addr: 0x5A, W: []byte{0x07}, R: []byte{0xD2, 0x3A, 0x31}}
	o := DefaultOpts
	o.Retries = 2
	bus := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{bad, bad, bad}}
	_, err := newDev(bus, o).Object()
	if !errors.Is(err, ErrPEC) {
		t.Errorf("Object() error = %v, want ErrPEC", err)
	}
	if want := "mlx90614: read 0x07: PEC mismatch (got 0x31, want 0x30)"; err == nil || err.Error() != want {
		t.Errorf("Object() error = %q, want %q", err, want)
	}
	closeBus(t, bus)
}

func TestObjectReportsErrorFlagWithoutRetrying(t *testing.T) {
	bus := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{word(sa, 0x07, 0x8000|rawC(36.51))}}
	_, err := newDev(bus, DefaultOpts).Object()
	if !errors.Is(err, ErrFlag) {
		t.Errorf("Object() error = %v, want ErrFlag", err)
	}
	closeBus(t, bus)
}

func TestReadRetriesNACK(t *testing.T) {
	tests := []struct {
		name      string
		fails     int
		wantErr   error
		wantCalls int
	}{
		{name: "one NACK is retried", fails: 1, wantCalls: 2},
		{name: "NACK on every try is no sensor", fails: 99, wantErr: ErrNoSensor, wantCalls: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			play := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{word(sa, 0x06, rawC(20.01))}}
			if tt.wantErr != nil {
				play.Ops = nil
			}
			bus := &flakyBus{fails: tt.fails, Playback: play}
			_, err := newDev(bus, DefaultOpts).Ambient()
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Ambient() error = %v, want %v", err, tt.wantErr)
			}
			if bus.calls != tt.wantCalls {
				t.Errorf("bus saw %d transactions, want %d", bus.calls, tt.wantCalls)
			}
			closeBus(t, play)
		})
	}
}

func TestObject2NeedsDualZone(t *testing.T) {
	bus := &i2ctest.Playback{DontPanic: true}
	if _, err := newDev(bus, DefaultOpts).Object2(); err == nil {
		t.Error("Object2() on a single-zone Dev succeeded")
	}
	closeBus(t, bus)
}

func TestEmissivityScalesEEPROMWord(t *testing.T) {
	tests := []struct {
		raw  uint16
		want float64
	}{
		{0xFFFF, 1.0},
		{0xFAE0, 0.98},
		{0x8000, 0.5},
	}
	for _, tt := range tests {
		bus := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{word(sa, 0x24, tt.raw)}}
		got, err := newDev(bus, DefaultOpts).Emissivity()
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tt.want) > 1.0/0xFFFF {
			t.Errorf("Emissivity() of 0x%04X = %v, want %v", tt.raw, got, tt.want)
		}
		closeBus(t, bus)
	}
}

func TestWriteEEPROMReplaysApplicationNoteExample(t *testing.T) {
	// Application note "SMBus communication with MLX90614", EEPROM write
	// example: at the broadcast address 0x00, erase cell 0x0E (command 0x2E)
	// with PEC 0x6F, then write 0x005A with PEC 0xE1, 5 ms after each.
	slept := recordSleeps(t)
	bus := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: 0x00, W: []byte{0x2E, 0x00, 0x00, 0x6F}},
		{Addr: 0x00, W: []byte{0x2E, 0x5A, 0x00, 0xE1}},
		word(0x00, 0x2E, 0x005A), // read back
	}}
	o := DefaultOpts
	o.Addr = 0x00
	if err := newDev(bus, o).WriteEEPROM(0x2E, 0x005A); err != nil {
		t.Fatal(err)
	}
	if len(*slept) != 2 {
		t.Fatalf("slept %v, want a wait after the erase and after the write", *slept)
	}
	for _, d := range *slept {
		if d < 5*time.Millisecond {
			t.Errorf("waited %s, the application note asks for 5 ms", d)
		}
	}
	closeBus(t, bus)
}

func TestSetEmissivityErasesWritesAndVerifies(t *testing.T) {
	recordSleeps(t)
	// 0.98 × 65535 = 64224.3 → 0xFAE0; PECs over B4 24 00 00 and B4 24 E0 FA.
	bus := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: sa, W: []byte{0x24, 0x00, 0x00, 0x28}},
		{Addr: sa, W: []byte{0x24, 0xE0, 0xFA, 0x83}},
		word(sa, 0x24, 0xFAE0),
	}}
	if err := newDev(bus, DefaultOpts).SetEmissivity(0.98); err != nil {
		t.Fatal(err)
	}
	closeBus(t, bus)
}

func TestWriteEEPROMRefusesWhatWouldHarmTheChip(t *testing.T) {
	tests := []struct {
		name    string
		cmd     byte
		v       uint16
		ops     []i2ctest.IO
		wantErr error
	}{
		{name: "RAM is read-only", cmd: 0x07, wantErr: ErrReadOnly},
		{name: "ID cell is factory data", cmd: 0x3C, wantErr: ErrReadOnly},
		{name: "calibration cell", cmd: 0x26, wantErr: ErrReadOnly},
		{
			name: "config bit 3 would cancel calibration", cmd: 0x25, v: 0x9FBC,
			ops: []i2ctest.IO{word(sa, 0x25, 0x9FB4)}, wantErr: ErrReadOnly,
		},
		{
			name: "read-back mismatch", cmd: 0x24, v: 0xFAE0,
			ops: []i2ctest.IO{
				{Addr: sa, W: []byte{0x24, 0x00, 0x00, 0x28}},
				{Addr: sa, W: []byte{0x24, 0xE0, 0xFA, 0x83}},
				word(sa, 0x24, 0x0000),
			},
			wantErr: ErrVerify,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recordSleeps(t)
			bus := &i2ctest.Playback{DontPanic: true, Ops: tt.ops}
			err := newDev(bus, DefaultOpts).WriteEEPROM(tt.cmd, tt.v)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("WriteEEPROM(0x%02X) error = %v, want %v", tt.cmd, err, tt.wantErr)
			}
			closeBus(t, bus)
		})
	}
}

func TestSetEmissivityRejectsOutOfRange(t *testing.T) {
	for _, e := range []float64{0, 0.05, 1.01, math.NaN()} {
		bus := &i2ctest.Playback{DontPanic: true}
		if err := newDev(bus, DefaultOpts).SetEmissivity(e); err == nil {
			t.Errorf("SetEmissivity(%v) succeeded", e)
		}
		closeBus(t, bus)
	}
}

func TestDevIsAResourceNamedAfterItsBus(t *testing.T) {
	d := newDev(&i2ctest.Playback{}, DefaultOpts)
	if got, want := d.String(), "mlx90614{playback(90)}"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if err := d.Halt(); err != nil {
		t.Errorf("Halt() = %v", err)
	}
}
