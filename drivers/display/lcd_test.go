package display

import (
	"bytes"
	"strings"
	"testing"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/devices/v3/hd44780"
)

func TestLCDLinesCentreWrapAndCut(t *testing.T) {
	tests := []struct {
		name       string
		screen     Screen
		cols, rows int
		want       []string
	}{
		{"16x2 headline over detail, CJK dropped, degree from the ROM", Screen{"PASS 通过", "36.7°C"}, 16, 2, []string{
			"      PASS      ",
			"     36.7\xdfC     "}},
		{"20x4 centres the block vertically", Screen{"PASS", "36.5C"}, 20, 4, []string{
			"                    ",
			"        PASS        ",
			"       36.5C        ",
			"                    "}},
		{"20x4 wraps a long detail at spaces", Screen{"DENY", "FEVER 38.1C REFER TO CLINIC"}, 20, 4, []string{
			"        DENY        ",
			"FEVER 38.1C REFER TO",
			"       CLINIC       ",
			"                    "}},
		{"16x2 cuts what does not fit", Screen{"REGISTER FIRST PLEASE", "visitor without pass"}, 16, 2, []string{
			"REGISTER FIRST P",
			"visitor without "}},
		{"a word longer than a row is split", Screen{"WAIT", "0123456789ABCDEFGH"}, 16, 4, []string{
			"      WAIT      ",
			"0123456789ABCDEF",
			"       GH       ",
			"                "}},
		{"characters the ROM shows differently are dropped", Screen{`C:\~`, "\t"}, 8, 2, []string{
			"   C:   ",
			"        "}},
		{"an empty screen is blank", Screen{}, 8, 2, []string{
			"        ",
			"        "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lcdLines(tt.screen, tt.cols, tt.rows)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// lcd plays an HD44780U on gpiotest pins: it latches RS and D4-D7 on the
// falling edge of E and keeps the display RAM (HD44780U datasheet, "Display
// Data RAM" and "Interfacing to the MPU").
type lcd struct {
	data     [4]*gpiotest.Pin
	rs       *gpiotest.Pin
	eightBit bool
	nibble   int // the high nibble waiting for its low half, or -1
	twoLine  bool
	on       bool
	addr     int
	ram      [0x80]byte
}

// strobe is the E pin.
type strobe struct {
	gpiotest.Pin
	lcd *lcd
}

func (s *strobe) Out(l gpio.Level) error {
	prev := s.Read()
	if err := s.Pin.Out(l); err != nil {
		return err
	}
	if prev == gpio.High && l == gpio.Low {
		s.lcd.latch()
	}
	return nil
}

func (c *lcd) latch() {
	n := 0
	for i, p := range c.data {
		if p.Read() {
			n |= 1 << i
		}
	}
	switch {
	case c.eightBit:
		// DB0-DB3 are not wired in 4-bit mode; the chip's pull-ups read 1.
		c.exec(n<<4 | 0x0F)
	case c.nibble < 0:
		c.nibble = n
	default:
		c.exec(c.nibble<<4 | n)
		c.nibble = -1
	}
}

func (c *lcd) exec(b int) {
	if c.rs.Read() {
		c.ram[c.addr] = byte(b)
		c.addr = c.step(c.addr, 1)
		return
	}
	switch {
	case b&0x80 != 0:
		c.addr = b & 0x7F
	case b&0x40 != 0: // character generator RAM: not used
	case b&0x20 != 0:
		c.eightBit, c.twoLine = b&0x10 != 0, b&0x08 != 0
	case b&0x10 != 0:
		if b&0x08 == 0 { // cursor move, not display shift
			c.addr = c.step(c.addr, map[bool]int{true: 1, false: -1}[b&0x04 != 0])
		}
	case b&0x08 != 0:
		c.on = b&0x04 != 0
	case b&0x04 != 0: // entry mode: the driver sets increment
	case b&0x02 != 0:
		c.addr = 0
	case b&0x01 != 0:
		c.ram, c.addr = [0x80]byte{}, 0
		for i := range c.ram {
			c.ram[i] = ' '
		}
	}
}

// step moves the address counter; in two-line mode line 1 spans 0x00-0x27
// and line 2 0x40-0x67, and the counter runs from one into the other.
func (c *lcd) step(a, d int) int {
	a += d
	switch {
	case c.twoLine && a == 0x28:
		return 0x40
	case c.twoLine && a == 0x68:
		return 0x00
	case c.twoLine && a == 0x3F:
		return 0x27
	}
	return a & 0x7F
}

func (c *lcd) row(r, cols int) string {
	base := r%2*0x40 + r/2*cols
	return string(c.ram[base : base+cols])
}

func newLCD(t *testing.T, cols, rows int) (*Dev, *lcd) {
	t.Helper()
	c := &lcd{eightBit: true, nibble: -1, rs: &gpiotest.Pin{N: "RS"}}
	var data []gpio.PinOut
	for i := range c.data {
		c.data[i] = &gpiotest.Pin{N: "D" + string(rune('4'+i))}
		data = append(data, c.data[i])
	}
	hd, err := hd44780.New(data, c.rs, &strobe{Pin: gpiotest.Pin{N: "E"}, lcd: c})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := NewHD44780(hd, cols, rows)
	if err != nil {
		t.Fatal(err)
	}
	if c.eightBit || !c.twoLine || !c.on {
		t.Fatalf("after hd44780.New: 8-bit %t, two-line %t, on %t; want 4-bit, two-line, on", c.eightBit, c.twoLine, c.on)
	}
	return dev, c
}

func TestLCDShowsTheScreenOnEveryRow(t *testing.T) {
	tests := []struct {
		cols, rows int
		screens    []Screen
	}{
		{16, 2, []Screen{{"RECHECK", "37.4°C"}, {"PASS", ""}}},
		{20, 4, []Screen{{"DENY", "FEVER 38.1C REFER TO CLINIC"}, {"WAIT", "120/150"}}},
	}
	for _, tt := range tests {
		dev, c := newLCD(t, tt.cols, tt.rows)
		for _, s := range tt.screens {
			if err := dev.Show(s); err != nil {
				t.Fatal(err)
			}
			want := lcdLines(s, tt.cols, tt.rows)
			for r := range tt.rows {
				if got := c.row(r, tt.cols); got != want[r] {
					t.Errorf("%dx%d %q row %d = %q, want %q", tt.cols, tt.rows, s.Headline, r, got, want[r])
				}
			}
		}
		if err := dev.Halt(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bytes.TrimLeft(c.ram[:], " "), nil) {
			t.Errorf("%dx%d: RAM not blank after Halt: %q", tt.cols, tt.rows, c.ram)
		}
	}
}

func TestNewHD44780RefusesUnknownSizes(t *testing.T) {
	for _, size := range [][2]int{{16, 1}, {16, 3}, {24, 4}, {41, 2}, {4, 2}} {
		if _, err := NewHD44780(&hd44780.Dev{}, size[0], size[1]); err == nil {
			t.Errorf("%dx%d accepted", size[0], size[1])
		}
	}
	if _, err := NewHD44780(nil, 16, 2); err == nil {
		t.Error("nil accepted")
	}
}

func FuzzLCDLinesFillEveryCellWithROMCharacters(f *testing.F) {
	f.Add("PASS 通过", "36.7°C", 16, 2)
	f.Add("DENY", "FEVER 38.1C REFER TO CLINIC", 20, 4)
	f.Add(`C:\~`, "\t", 8, 2)
	f.Fuzz(func(t *testing.T, head, detail string, cols, rows int) {
		cols, rows = 8+abs(cols)%13, 2+abs(rows)%2*2
		lines := lcdLines(Screen{head, detail}, cols, rows)
		if len(lines) != rows {
			t.Fatalf("%d lines, want %d", len(lines), rows)
		}
		for _, l := range lines {
			if len(l) != cols {
				t.Fatalf("line %q is %d bytes, want %d", l, len(l), cols)
			}
			for _, c := range []byte(l) {
				if (c < 0x20 || c > 0x7D || c == '\\') && c != degreeA00 {
					t.Fatalf("line %q has byte 0x%02X outside the ROM's ASCII", l, c)
				}
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
