package display

import (
	"errors"
	"fmt"
	"sync"

	"periph.io/x/conn/v3"
	"periph.io/x/devices/v3/hd44780"
	"periph.io/x/devices/v3/ssd1306"
)

// Screen is one result as the person at the gate sees it.
type Screen struct {
	// Headline is the result in one or two words, e.g. "PASS". Only ASCII is
	// drawn: CJK and other runes the display cannot show are dropped, so
	// "PASS 通过" shows as PASS.
	Headline string
	// Detail is a short line below, e.g. "36.7°C" or "120/150".
	Detail string
}

// Dev shows Screens on a character LCD or a pixel OLED.
type Dev struct {
	// mu keeps one Screen's writes together.
	mu   sync.Mutex
	out  output
	desc string
}

// output is one kind of display.
type output interface {
	show(Screen) error
	halt() error
}

var _ conn.Resource = &Dev{}

// NewHD44780 shows Screens on an HD44780 character LCD of cols×rows, opened
// with hd44780.New in 4-bit mode. Modules of 2 rows (8 to 40 columns) and 4
// rows (up to 20 columns) are supported.
func NewHD44780(lcd *hd44780.Dev, cols, rows int) (*Dev, error) {
	if lcd == nil {
		return nil, errors.New("display: nil hd44780.Dev")
	}
	if (rows != 2 || cols < 8 || cols > 40) && (rows != 4 || cols < 8 || cols > 20) {
		return nil, fmt.Errorf("display: %dx%d HD44780: want 8-40 columns by 2 rows or 8-20 columns by 4 rows", cols, rows)
	}
	return &Dev{
		out:  &textLCD{lcd: lcd, cols: cols, rows: rows},
		desc: fmt.Sprintf("display{%s, %dx%d}", lcd, cols, rows),
	}, nil
}

// NewSSD1306 shows Screens on an SSD1306 OLED opened with ssd1306.NewI2C or
// NewSPI. The panel must be at least 32×16 pixels; 128×64 is the usual one.
func NewSSD1306(oled *ssd1306.Dev) (*Dev, error) {
	if oled == nil {
		return nil, errors.New("display: nil ssd1306.Dev")
	}
	if b := oled.Bounds(); b.Dx() < 32 || b.Dy() < 16 {
		return nil, fmt.Errorf("display: SSD1306 of %dx%d: want at least 32x16", b.Dx(), b.Dy())
	}
	return &Dev{out: newPixelOLED(oled), desc: fmt.Sprintf("display{%s}", oled)}, nil
}

func (d *Dev) String() string {
	return d.desc
}

// Show replaces what the display shows with s.
func (d *Dev) Show(s Screen) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.out.show(s); err != nil {
		return fmt.Errorf("display: show %q: %w", s.Headline, err)
	}
	return nil
}

// Halt blanks the display, and switches an OLED off.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.out.halt(); err != nil {
		return fmt.Errorf("display: halt: %w", err)
	}
	return nil
}
