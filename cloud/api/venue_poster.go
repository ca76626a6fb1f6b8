package api

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"os"
	"sync"

	"github.com/boombuler/barcode/qr"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The venue poster (场所码) is what a site manager prints and posts at the
// gate: the site's name, the QR code of its mobile registration page, and
// three steps a visitor follows. A4 at 150 dpi prints sharp enough for a
// phone to scan the code from a metre away.
const (
	posterWidth  = 1240 // A4 at 150 dpi: 210 mm
	posterHeight = 1754 // 297 mm
	// posterQRSide bounds the QR code's side; its modules are whole pixels,
	// so the drawn side is the largest multiple of the module count below it.
	posterQRSide = 900
	posterQRTop  = 420
)

// PosterFonts are where Debian's CJK font packages put their fonts, in the
// order a poster tries them when [venue] poster_font is empty.
var PosterFonts = []string{
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",             // fonts-wqy-zenhei
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",           // fonts-wqy-microhei
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",   // fonts-noto-cjk
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",  // fonts-noto-cjk
	"/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",   // older layouts
	"/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", // fonts-noto-cjk-extra
}

// errNoPosterFont is answered with 503: the collector runs, but cannot
// write Chinese until a font is installed or named.
var errNoPosterFont = errors.New("海报需要中文字体：apt-get install fonts-wqy-zenhei，或设置 [venue] poster_font" +
	" (the poster needs a Chinese font: install fonts-wqy-zenhei or set [venue] poster_font)")

// posterFonts caches parsed fonts by path: a CJK collection is 10-20 MB
// and takes a noticeable moment to parse, and a manager prints more than once.
var posterFonts struct {
	sync.Mutex
	byPath map[string]*opentype.Font
}

// loadPosterFont reads the font at path, or with path "" the first of
// PosterFonts that exists; errNoPosterFont when there is none.
func loadPosterFont(path string) (*opentype.Font, error) {
	paths := PosterFonts
	if path != "" {
		paths = []string{path}
	}
	posterFonts.Lock()
	defer posterFonts.Unlock()
	for _, p := range paths {
		if f, ok := posterFonts.byPath[p]; ok {
			return f, nil
		}
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) && path == "" {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("[venue] poster_font %s: %w", p, err)
		}
		f, err := parsePosterFont(b)
		if err != nil {
			return nil, fmt.Errorf("[venue] poster_font %s is not a TrueType/OpenType font sfnt reads: %w", p, err)
		}
		if posterFonts.byPath == nil {
			posterFonts.byPath = map[string]*opentype.Font{}
		}
		posterFonts.byPath[p] = f
		return f, nil
	}
	return nil, errNoPosterFont
}

// parsePosterFont reads the first face of a font or collection (a .ttc's
// regular one), realigning its tables when sfnt refuses them as they are.
func parsePosterFont(b []byte) (*opentype.Font, error) {
	c, err := opentype.ParseCollection(b)
	if err == nil {
		var f *opentype.Font
		if f, err = c.Font(0); err == nil {
			return f, nil
		}
	}
	one, rerr := realignFace(b, 0)
	if rerr != nil {
		return nil, err
	}
	f, rerr := opentype.Parse(one)
	if rerr != nil {
		return nil, err
	}
	return f, nil
}

// poster is what one venue poster says.
type poster struct {
	Name, Site, URL string
}

// render draws p; with f nil it draws the QR code alone (the tests' way
// to check the code where no CJK font is installed).
func (p poster) render(f *opentype.Font) (*image.RGBA, error) {
	img := image.NewRGBA(image.Rect(0, 0, posterWidth, posterHeight))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	if err := drawQR(img, p.URL); err != nil {
		return nil, err
	}
	if f == nil {
		return img, nil
	}
	lines := []struct {
		text string
		size float64 // pixels: at 72 dpi a point is a pixel
		y    int     // baseline
		c    color.Color
	}{
		{p.Name, 84, 170, color.Black},
		{"场所码 · 扫码登记/预约", 60, 300, color.RGBA{0xb0, 0x10, 0x10, 0xff}},
		{"① 手机扫码", 48, 1440, color.Black},
		{"② 填写登记（需预约的场所选择时段）", 48, 1520, color.Black},
		{"③ 到门岗出示登记码", 48, 1600, color.Black},
		{"场所 " + p.Site + " · " + p.URL, 26, 1700, color.Gray{0x60}},
	}
	for _, l := range lines {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: l.size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return nil, fmt.Errorf("poster font: %w", err)
		}
		d := font.Drawer{Dst: img, Src: image.NewUniform(l.c), Face: face}
		w := d.MeasureString(l.text).Round()
		d.Dot = fixed.P(max(0, (posterWidth-w)/2), l.y)
		d.DrawString(l.text)
		face.Close()
	}
	return img, nil
}

// drawQR draws url's QR code centred, each module a square of whole
// pixels, so a scanner (and the test) reads it without resampling blur.
func drawQR(img *image.RGBA, url string) error {
	code, err := qr.Encode(url, qr.M, qr.Auto)
	if err != nil {
		return fmt.Errorf("poster QR code for %s: %w", url, err)
	}
	n := code.Bounds().Dx()
	mod := posterQRSide / n
	if mod < 1 {
		return fmt.Errorf("poster: the URL %s makes a QR code too dense to print; shorten [venue] public_url", url)
	}
	left := (posterWidth - n*mod) / 2
	for y := range n {
		for x := range n {
			if code.At(x, y) == color.Black || isDark(code.At(x, y)) {
				r := image.Rect(left+x*mod, posterQRTop+y*mod, left+(x+1)*mod, posterQRTop+(y+1)*mod)
				draw.Draw(img, r, image.Black, image.Point{}, draw.Src)
			}
		}
	}
	return nil
}

func isDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}

// venuePoster answers GET /api/v1/sites/{site}/venue-poster.png: for the
// site's manager and central monitoring (a region's monitor, for sites in
// the region), like the other per-site pages.
func (s *server) venuePoster(w http.ResponseWriter, r *http.Request) {
	c, site := s.caller(r), r.PathValue("site")
	if err := venueSiteAllowed(c, site, "printing the venue poster"); err != nil {
		refuse(w, err)
		return
	}
	base, fontPath := s.venuePosterSettings()
	if base == "" {
		writeError(w, http.StatusServiceUnavailable, "海报需要场所页面地址：设置 [venue] public_url"+
			" (the poster needs the page's address: set [venue] public_url)")
		return
	}
	f, err := loadPosterFont(fontPath)
	if err != nil {
		s.log.Warn("venue poster", "err", err)
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	name := s.siteNames(r.Context())[site]
	if name == "" {
		name = site
	}
	img, err := poster{Name: name, Site: site, URL: venuePageURL(base, site)}.render(f)
	if err != nil {
		s.internal(w, "draw the venue poster", err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Disposition", `inline; filename="venue-poster-`+site+`.png"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := png.Encode(w, img); err != nil {
		s.log.Warn("venue poster: write", "err", err)
	}
}
