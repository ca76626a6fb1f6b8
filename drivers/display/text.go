package display

import (
	"strings"

	"periph.io/x/devices/v3/hd44780"
)

// degreeA00 is "°" in the HD44780's A00 (Japanese) character ROM, the one
// almost every module sold has.
const degreeA00 = 0xDF

// textLCD shows a Screen on an HD44780 character display.
type textLCD struct {
	lcd        *hd44780.Dev
	cols, rows int
}

func (t *textLCD) show(s Screen) error {
	for row, text := range lcdLines(s, t.cols, t.rows) {
		line, col := ddram(row, t.cols)
		if err := t.lcd.SetCursor(line, col); err != nil {
			return err
		}
		if err := t.lcd.Print(text); err != nil {
			return err
		}
	}
	return nil
}

func (t *textLCD) halt() error {
	return t.lcd.Halt()
}

// ddram converts a visible row to the (line, column) hd44780.SetCursor
// takes. The controller holds two lines of 40 characters; a 4-row module
// shows the second half of each as rows 2 and 3 (HD44780U datasheet,
// "Display Data RAM"), so row 2 starts right after row 0's last column.
func ddram(row, cols int) (line, col uint8) {
	return uint8(row % 2), uint8(row / 2 * cols)
}

// lcdLines lays s out on a cols×rows display, one padded string per row:
// the headline on one row and the detail word-wrapped below it, the block
// centred vertically and each line horizontally. Whatever does not fit is
// cut off: a gate screen is read at a glance, not scrolled.
func lcdLines(s Screen, cols, rows int) []string {
	block := []string{lcdText(s.Headline)}
	if d := lcdText(s.Detail); d != "" {
		block = append(block, wrap(d, cols)...)
	}
	if len(block) > rows {
		block = block[:rows]
	}
	lines := make([]string, rows)
	top := (rows - len(block)) / 2
	for i := range lines {
		text := ""
		if i >= top && i-top < len(block) {
			text = block[i-top]
		}
		lines[i] = centre(text, cols)
	}
	return lines
}

// lcdText keeps what the character ROM can show: printable ASCII except
// '\' and '~' (the A00 ROM has ¥ and → there), and "°". Everything else,
// CJK included, is dropped, and runs of spaces collapse to one.
func lcdText(s string) string {
	var b []byte
	for _, r := range s {
		var c byte
		switch {
		case r == '°':
			c = degreeA00
		case r >= 0x21 && r <= 0x7D && r != '\\':
			c = byte(r)
		default:
			c = ' '
		}
		if c == ' ' && (len(b) == 0 || b[len(b)-1] == ' ') {
			continue
		}
		b = append(b, c)
	}
	return strings.TrimRight(string(b), " ")
}

// wrap breaks s at spaces into lines of at most cols bytes, splitting words
// longer than a line.
func wrap(s string, cols int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Split(s, " ") {
		for len(word) > cols {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			lines, word = append(lines, word[:cols]), word[cols:]
		}
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= cols:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// centre pads s with spaces to exactly cols bytes, s in the middle, and cuts
// s when it is longer. Every cell is written, so no clear (and no flicker)
// is needed between two results.
func centre(s string, cols int) string {
	if len(s) > cols {
		s = s[:cols]
	}
	left := (cols - len(s)) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", cols-len(s)-left)
}
