package api

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode/qr"
)

// venueQRPNG draws a registration code's QR code as a PNG data URL for
// the public page, where it is drawn once a registration: two colours,
// 6 pixels a module with the 4-module quiet zone, encoded for speed. A
// 1-bit paletted image compresses in a fraction of the time of the RGBA
// one barcode.Scale gives (docs/performance.md "Booking a slot").
func venueQRPNG(text string) (string, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("QR code: %w", err)
	}
	const scale, quiet = 6, 4
	n := code.Bounds().Dx()
	side := (n + 2*quiet) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	for y := range n {
		for x := range n {
			if r, _, _, _ := code.At(x, y).RGBA(); r != 0 {
				continue // a light module: the image is white already
			}
			for dy := range scale {
				row := img.Pix[((y+quiet)*scale+dy)*img.Stride:]
				for dx := range scale {
					row[(x+quiet)*scale+dx] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}
