package main

import (
	"bytes"
	"context"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
)

// aPass is a signed pass of the size a resident's is.
func aPass(t *testing.T) string {
	t.Helper()
	pub, priv := credential.GenerateIssuer()
	code, err := credential.IssuePass(priv, credential.PassClaims{Issuer: siteIssuer, ID: "SG-0012",
		Role: credential.RoleResident, Household: "3-2-501", Site: testSite,
		NotBefore: time.Now().Unix(), Expires: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	if p := verifierOf(t, siteIssuer, credential.FormatPublicKey(pub)).Check(context.Background(), []byte(code)); p.Status != credential.StatusValid {
		t.Fatalf("issued pass checks as %s", p.Status)
	}
	return code
}

// TestIssuedPassRendersAsPNGOfRequestedSize checks the PNG, not the QR
// content: reading it back needs a QR decoder this module does not carry.
func TestIssuedPassRendersAsPNGOfRequestedSize(t *testing.T) {
	code := aPass(t)
	for _, size := range []int{256, 513} {
		b, err := renderPNG(code, size)
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
	code := aPass(t)
	for _, size := range []int{0, 64, 1 << 20} {
		if _, err := renderPNG(code, size); err == nil {
			t.Errorf("renderPNG(size %d) succeeded", size)
		}
	}
}
