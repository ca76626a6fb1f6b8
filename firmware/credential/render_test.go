package credential

import (
	"bytes"
	"context"
	"image/color"
	"image/png"
	"testing"
)

// TestIssuedPassRendersAsPNGOfRequestedSize checks the PNG, not the QR
// content: reading it back needs a QR decoder this module does not carry.
func TestIssuedPassRendersAsPNGOfRequestedSize(t *testing.T) {
	code := mustPass(t, siteKey, resident(nil))
	if p := testVerifier(t, syncedClock).Check(context.Background(), []byte(code)); p.Status != StatusValid {
		t.Fatalf("issued pass checks as %s", p.Status)
	}
	for _, size := range []int{256, 513} {
		b, err := RenderPNG(code, size)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if r := img.Bounds(); r.Dx() != size || r.Dy() != size {
			t.Fatalf("image %v, want %dx%d", r, size, size)
		}
		if !hasDark(img.At, size) {
			t.Fatal("image has no dark modules")
		}
		if dark(img.At(0, 0)) {
			t.Fatal("no quiet zone: the corner is dark")
		}
	}
}

func hasDark(at func(x, y int) color.Color, size int) bool {
	for y := range size {
		for x := range size {
			if dark(at(x, y)) {
				return true
			}
		}
	}
	return false
}

func TestRenderPNGRefusesSizesThatCannotHoldTheCode(t *testing.T) {
	code := mustPass(t, siteKey, resident(nil))
	for _, size := range []int{0, 64, 1 << 20} {
		if _, err := RenderPNG(code, size); err == nil {
			t.Errorf("RenderPNG(size %d) succeeded", size)
		}
	}
}
