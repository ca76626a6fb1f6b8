package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode/qr"
)

// quietZone is the white border a QR reader needs, in modules (ISO/IEC
// 18004 §7.3.7); the barcode library does not add one.
const quietZone = 4

// Bounds on renderPNG's size in pixels: big enough to print, small enough
// not to exhaust a unit's memory.
const (
	minPNGSize = 64
	maxPNGSize = 4096
)

// renderPNG draws payload as a square QR code of size×size pixels, error
// correction level M (15 %: survives a crease or a scratched phone screen),
// black on white with a quiet zone.
func renderPNG(payload string, size int) ([]byte, error) {
	if size < minPNGSize || size > maxPNGSize {
		return nil, fmt.Errorf("pass: png size %d: want %d-%d", size, minPNGSize, maxPNGSize)
	}
	code, err := qr.Encode(payload, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("pass: qr: %w", err)
	}
	dim := code.Bounds().Dx()
	module := size / (dim + 2*quietZone)
	if module < 1 {
		return nil, fmt.Errorf("pass: png size %d too small for a %d-module code; want at least %d",
			size, dim, dim+2*quietZone)
	}
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	off := (size - dim*module) / 2
	for y := range dim {
		for x := range dim {
			if dark(code.At(x, y)) {
				fill(img, off+x*module, off+y*module, module)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("pass: png: %w", err)
	}
	return buf.Bytes(), nil
}

func dark(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 128
}

func fill(img *image.Paletted, x0, y0, n int) {
	for y := y0; y < y0+n; y++ {
		for x := x0; x < x0+n; x++ {
			img.SetColorIndex(x, y, 1)
		}
	}
}
