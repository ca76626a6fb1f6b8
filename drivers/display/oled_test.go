package display

import (
	"bytes"
	"image"
	"testing"

	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/devices/v3/ssd1306"
	"periph.io/x/devices/v3/ssd1306/image1bit"
)

// panel replays the I²C writes an ssd1306.Dev made into the controller's
// display RAM (SSD1306 datasheet, "Graphic Display Data RAM"): 8 pages of
// 128 columns, a byte a column, bit 0 the top row of the page.
type panel struct {
	ram       []byte
	page, col int
	on        bool
}

func replay(t *testing.T, ops []i2ctest.IO) *panel {
	t.Helper()
	p := &panel{ram: make([]byte, 128*8)}
	for _, op := range ops {
		if op.Addr != 0x3C || len(op.W) == 0 {
			t.Fatalf("unexpected transaction %+v", op)
		}
		switch op.W[0] {
		case 0x00:
			p.command(op.W[1:])
		case 0x40:
			p.data(op.W[1:])
		default:
			t.Fatalf("control byte 0x%02X: want 0x00 (commands) or 0x40 (data)", op.W[0])
		}
	}
	return p
}

// command follows display on/off and the page and column addresses; the
// driver sends those three alone, so longer streams are initialisation.
func (p *panel) command(c []byte) {
	if len(c) > 0 && c[0] == 0xAF {
		p.on, c = true, c[1:]
	}
	switch {
	case len(c) == 1 && c[0] == 0xAE:
		p.on = false
	case len(c) == 3 && c[0]&0xF8 == 0xB0:
		p.page, p.col = int(c[0]&7), int(c[1]&0x0F|c[2]&0x0F<<4)
	case len(c) > 3 && c[len(c)-1] == 0xAF:
		p.on = true
	}
}

func (p *panel) data(d []byte) {
	for _, b := range d {
		p.ram[p.page*128+p.col] = b
		if p.col++; p.col == 128 {
			p.col, p.page = 0, (p.page+1)%8
		}
	}
}

func (p *panel) image() *image1bit.VerticalLSB {
	img := image1bit.NewVerticalLSB(image.Rect(0, 0, 128, 64))
	copy(img.Pix, p.ram)
	return img
}

// lit returns the smallest rectangle holding every lit pixel of img in r.
func lit(img *image1bit.VerticalLSB, r image.Rectangle) image.Rectangle {
	var box image.Rectangle
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.BitAt(x, y) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}

func newOLED(t *testing.T) (*Dev, *i2ctest.Record) {
	t.Helper()
	rec := &i2ctest.Record{}
	oled, err := ssd1306.NewI2C(rec, &ssd1306.DefaultOpts)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := NewSSD1306(oled)
	if err != nil {
		t.Fatal(err)
	}
	return dev, rec
}

// The headline band is everything above the detail's 14 px and 4 px gap.
var (
	headBand   = image.Rect(0, 0, 128, 46)
	detailBand = image.Rect(0, 46, 128, 64)
)

func TestOLEDDrawsTheHeadlineLargeAndTheDetailBelow(t *testing.T) {
	tests := []struct {
		name       string
		screen     Screen
		head, tail image.Rectangle
	}{
		// 4 glyphs 5×6 px each with 5 px spacing: 115×42, centred.
		{"a short word fills the width", Screen{"PASS 通过", "36.7C"},
			image.Rect(6, 2, 121, 44), image.Rect(35, 50, 93, 64)},
		// 7 glyphs fit 3 px wide; the height stays 42 px.
		{"a longer word is condensed, not shrunk", Screen{"RECHECK", "37.5C"},
			image.Rect(2, 2, 125, 44), image.Rect(35, 50, 93, 64)},
		// No detail: the headline is centred on the whole panel.
		{"without detail the headline is centred", Screen{"REGISTER", ""},
			image.Rect(17, 18, 111, 46), image.Rectangle{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev, rec := newOLED(t)
			if err := dev.Show(tt.screen); err != nil {
				t.Fatal(err)
			}
			p := replay(t, rec.Ops)
			if !p.on {
				t.Error("panel is off")
			}
			img := p.image()
			if tt.tail.Empty() {
				if got := lit(img, img.Rect); got != tt.head {
					t.Errorf("lit pixels in %v, want the headline in %v", got, tt.head)
				}
				return
			}
			if got := lit(img, headBand); got != tt.head {
				t.Errorf("headline lit in %v, want %v", got, tt.head)
			}
			if got := lit(img, detailBand); got != tt.tail {
				t.Errorf("detail lit in %v, want %v", got, tt.tail)
			}
			want := image1bit.NewVerticalLSB(img.Rect)
			render(want, tt.screen)
			if !bytes.Equal(p.ram, want.Pix) {
				t.Error("the panel's RAM differs from the frame drawn")
			}
		})
	}
}

func TestOLEDShowsEachHeadlineDifferently(t *testing.T) {
	dev, rec := newOLED(t)
	frames := map[string][]byte{}
	for _, h := range []string{"PASS", "DENY", "WAIT", "FAULT", "REFER", "PASS"} {
		if err := dev.Show(Screen{Headline: h, Detail: "36.5C"}); err != nil {
			t.Fatal(err)
		}
		ram := replay(t, rec.Ops).ram
		if bytes.Equal(ram, make([]byte, len(ram))) {
			t.Fatalf("%s: blank frame", h)
		}
		if prev, ok := frames[h]; ok {
			if !bytes.Equal(prev, ram) {
				t.Errorf("%s shown twice gives two frames", h)
			}
			continue
		}
		for other, f := range frames {
			if bytes.Equal(f, ram) {
				t.Errorf("%s and %s give the same frame", h, other)
			}
		}
		frames[h] = ram
	}
}

func TestOLEDHaltBlanksThenSwitchesOff(t *testing.T) {
	dev, rec := newOLED(t)
	if err := dev.Show(Screen{"DENY", "38.2C"}); err != nil {
		t.Fatal(err)
	}
	if err := dev.Halt(); err != nil {
		t.Fatal(err)
	}
	p := replay(t, rec.Ops)
	if p.on {
		t.Error("panel still on after Halt")
	}
	if !bytes.Equal(p.ram, make([]byte, len(p.ram))) {
		t.Error("the last result is still in the panel's RAM")
	}
	if err := dev.Show(Screen{Headline: "PASS"}); err != nil {
		t.Fatal(err)
	}
	if p := replay(t, rec.Ops); !p.on {
		t.Error("Show after Halt left the panel off")
	}
}

func TestNewSSD1306RefusesATinyPanel(t *testing.T) {
	oled, err := ssd1306.NewI2C(&i2ctest.Record{}, &ssd1306.Opts{W: 24, H: 16})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSSD1306(oled); err == nil {
		t.Error("a 24x16 panel was accepted")
	}
	if _, err := NewSSD1306(nil); err == nil {
		t.Error("nil was accepted")
	}
}

func FuzzRenderStaysInItsBands(f *testing.F) {
	f.Add("PASS 通过", "36.7°C")
	f.Add("REGISTER FIRST PLEASE NOW", "A DETAIL FAR TOO LONG FOR THE PANEL")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, head, detail string) {
		img := image1bit.NewVerticalLSB(image.Rect(0, 0, 128, 64))
		h, d := render(img, Screen{head, detail})
		if !h.In(img.Rect) || !d.In(img.Rect) || h.Overlaps(d) {
			t.Fatalf("headline %v and detail %v overlap or leave the panel", h, d)
		}
		if got := lit(img, img.Rect); !got.In(h.Union(d)) {
			t.Fatalf("pixels lit in %v, outside the headline %v and detail %v", got, h, d)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	img := image1bit.NewVerticalLSB(image.Rect(0, 0, 128, 64))
	for b.Loop() {
		render(img, Screen{"RECHECK", "37.4°C"})
	}
}
