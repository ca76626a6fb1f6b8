package display

import (
	"image"
	"strings"
	"testing"

	"periph.io/x/devices/v3/ssd1306/image1bit"
)

func TestGlyphsAreDrawnUprightLeftToRight(t *testing.T) {
	img := image1bit.NewVerticalLSB(image.Rect(0, 0, 17, 7))
	drawText(img, []rune("F1°"), 0, 0, 1, 1)
	want := []string{
		"#####...#....##..",
		"#......##...#..#.",
		"#.......#...#..#.",
		"####....#....##..",
		"#.......#........",
		"#.......#........",
		"#......###.......",
	}
	var got []string
	for y := 0; y < 7; y++ {
		var b strings.Builder
		for x := 0; x < 17; x++ {
			b.WriteByte(".#"[btoi(bool(img.BitAt(x, y)))])
		}
		got = append(got, b.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestEveryGlyphFitsItsCell(t *testing.T) {
	for r, g := range font {
		for _, row := range g {
			if row >= 1<<glyphW {
				t.Errorf("%q has a row 0x%02X wider than %d columns", r, row, glyphW)
			}
		}
	}
	for _, word := range []string{"PASS", "RECHECK", "REGISTER", "DENY", "REFER", "WAIT", "FAULT", "0123456789.°C"} {
		if got := string(drawable(word)); got != word {
			t.Errorf("drawable(%q) = %q: the font lacks a glyph", word, got)
		}
	}
}

func TestDrawableDropsWhatTheFontLacks(t *testing.T) {
	tests := []struct{ in, want string }{
		{"PASS 通过", "PASS"},
		{"通过 pass", "PASS"},
		{"  deny   拒绝  now ", "DENY NOW"},
		{"36.7°C", "36.7°C"},
		{"a\tb", "A B"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(drawable(tt.in)); got != tt.want {
			t.Errorf("drawable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
