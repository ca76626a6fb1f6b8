package display

import (
	"image"

	"periph.io/x/conn/v3/display"
	"periph.io/x/devices/v3/ssd1306/image1bit"
)

const (
	// detailScale draws the detail 14 px tall on a 64 px panel: readable at
	// arm's length while leaving the headline most of the screen.
	detailScale = 2
	// gap separates the headline from the detail, in pixels.
	gap = 4
)

// pixelOLED shows a Screen on a 1-bit pixel display such as an SSD1306.
type pixelOLED struct {
	d   display.Drawer
	img *image1bit.VerticalLSB
}

func newPixelOLED(d display.Drawer) *pixelOLED {
	return &pixelOLED{d: d, img: image1bit.NewVerticalLSB(d.Bounds())}
}

func (p *pixelOLED) show(s Screen) error {
	render(p.img, s)
	// The whole frame at once: the ssd1306 driver then sends only the
	// columns that changed.
	return p.d.Draw(p.img.Rect, p.img, p.img.Rect.Min)
}

// halt blanks the panel before switching it off, so the last person's
// result does not come back when it is next switched on.
func (p *pixelOLED) halt() error {
	clear(p.img.Pix)
	if err := p.d.Draw(p.img.Rect, p.img, p.img.Rect.Min); err != nil {
		return err
	}
	return p.d.Halt()
}

// render draws s on img: the detail centred along the bottom edge and the
// headline as large as fits in the rest, centred. It returns where each
// went; an empty text gets an empty rectangle.
func render(img *image1bit.VerticalLSB, s Screen) (head, detail image.Rectangle) {
	clear(img.Pix)
	b := img.Rect
	area := b
	if text := drawable(s.Detail); len(text) > 0 {
		sc := detailScale
		for sc > 1 && textWidth(len(text), sc) > b.Dx() {
			sc--
		}
		detail = place(img, text, b.Min.X, b.Max.Y-glyphH*sc, b.Dx(), sc, sc)
		area.Max.Y = detail.Min.Y - gap
	}
	text := drawable(s.Headline)
	sx, sy := headScale(len(text), area.Dx(), area.Dy())
	head = place(img, text, area.Min.X, area.Min.Y+(area.Dy()-glyphH*sy)/2, area.Dx(), sx, sy)
	return head, detail
}

// place draws as much of text as fits in width, centred, at row y.
func place(img *image1bit.VerticalLSB, text []rune, x, y, width, sx, sy int) image.Rectangle {
	if n := (width/sx + 1) / advance; len(text) > n {
		text = text[:n]
	}
	if len(text) == 0 {
		return image.Rectangle{}
	}
	w := textWidth(len(text), sx)
	x += (width - w) / 2
	drawText(img, text, x, y, sx, sy)
	return image.Rect(x, y, x+w, y+glyphH*sy)
}

// headScale picks the largest scale at which n glyphs fit in w×h. Height may
// stretch to twice the width scale, so a long word such as REGISTER is still
// tall, in a condensed face, rather than small.
func headScale(n, w, h int) (sx, sy int) {
	sy = max(1, h/glyphH)
	sx = 1
	for sx < sy && textWidth(n, sx+1) <= w {
		sx++
	}
	return sx, min(sy, 2*sx)
}
