package api

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kakou/kakou/internal/testenv"
)

// readQR decodes the QR code in img, as a phone's scanner would.
func readQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the poster's QR code does not read: %v", err)
	}
	return res.GetText()
}

// darkIn counts the dark pixels of img in r: where text was drawn.
func darkIn(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if isDark(img.At(x, y)) {
				n++
			}
		}
	}
	return n
}

// titleBand is where the site's name and the 场所码 line are drawn.
var titleBand = image.Rect(0, 60, posterWidth, 330)

// The QR code alone needs no font: it is checked on every machine.
func TestVenuePosterIsA4AndItsQRCodeReadsBackThePage(t *testing.T) {
	url := venuePageURL("https://kakou.example.cn/", "site-a")
	if url != "https://kakou.example.cn/v/site-a" {
		t.Fatalf("page URL %q", url)
	}
	img, err := poster{Name: "幸福小区", Site: "site-a", URL: url}.render(nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := got.Bounds(); b.Dx() != 1240 || b.Dy() != 1754 {
		t.Fatalf("poster %v, want A4 at 150 dpi (1240×1754)", b)
	}
	if text := readQR(t, got); text != url {
		t.Fatalf("the QR code reads %q, want %q", text, url)
	}
	if n := darkIn(got, titleBand); n != 0 {
		t.Fatalf("%d dark pixels in the title band without a font", n)
	}
}

func TestVenuePosterServesTheSitesNameInChinese(t *testing.T) {
	font := testenv.NeedFile(t, "fonts-wqy-zenhei", PosterFonts...)
	t.Logf("font %s", font)
	f := newVenueFixture(t)
	cookie, _ := f.login(t, f.h, "manager", "192.0.2.7")
	rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/sites/site-a/venue-poster.png", cookie: cookie})
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("poster: %d %s %.200s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	img, err := png.Decode(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != posterWidth || b.Dy() != posterHeight {
		t.Fatalf("poster %v", b)
	}
	if text := readQR(t, img); text != "https://kakou.example.cn/v/site-a" {
		t.Fatalf("the QR code reads %q", text)
	}
	if n := darkIn(img, titleBand); n < 2000 {
		t.Fatalf("%d dark pixels in the title band: the site's name and 场所码 are not drawn", n)
	}
}

func TestVenuePosterIsForTheSitesManagerAndCentralMonitoring(t *testing.T) {
	f := newVenueFixture(t)
	for _, c := range []struct {
		user string
		want int
	}{{"manager-b", http.StatusForbidden}, {"monitor-east", http.StatusForbidden}, {"guard", http.StatusForbidden},
		{"tracer", http.StatusForbidden}} {
		cookie, _ := f.login(t, f.h, c.user, "192.0.2.7")
		if rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/sites/site-a/venue-poster.png", cookie: cookie}); rec.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.user, rec.Code, rec.Body, c.want)
		}
	}
}

// Without a CJK font the poster is refused with what to install, not
// drawn with empty boxes for every character.
func TestVenuePosterWithoutAFontSaysWhatToInstall(t *testing.T) {
	dir := t.TempDir()
	saved := PosterFonts
	PosterFonts = []string{filepath.Join(dir, "none.ttc")}
	t.Cleanup(func() { PosterFonts = saved })
	f := newVenueFixture(t)
	cookie, _ := f.login(t, f.h, "monitor", "192.0.2.7")
	rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/sites/site-a/venue-poster.png", cookie: cookie})
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "fonts-wqy-zenhei") {
		t.Fatalf("without a font: %d %s, want 503 naming fonts-wqy-zenhei", rec.Code, rec.Body)
	}
	notFont := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notFont, []byte("not a font"), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{notFont: "not a TrueType", filepath.Join(dir, "gone.ttf"): "gone.ttf"} {
		g := newVenueFixture(t, func(v *VenueOptions) { v.PosterFont = path })
		cookie, _ := g.login(t, g.h, "monitor", "192.0.2.7")
		rec := g.do(t, g.h, req{method: "GET", path: "/api/v1/sites/site-a/venue-poster.png", cookie: cookie})
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("poster_font %s: %d %s, want 503 naming %q", path, rec.Code, rec.Body, want)
		}
	}
}
