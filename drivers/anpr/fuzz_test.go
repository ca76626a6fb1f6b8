package anpr

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReader feeds any bytes a serial line can carry: the reader never
// fails on them, and every read it returns keeps the protocol's promises.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"PLATE,粤B12345,blue,92\r\n",
		"\x00\xffPLATE,京A1234学,黄,88\n",
		"PLATE,a,b,c,d\r\n",
		"PLATE,,,\r\n",
		"PLATE,粤B12345,blue,-1\r\nPLATE,粤B12345,blue,100\n",
		strings.Repeat("PLATE,", 50) + "\n",
		"\xff\xfe\xfd\n\r\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b), &Opts{})
		for i := 0; ; i++ {
			rd, err := r.Next()
			if err != nil {
				return
			}
			if rd.Plate == "" || !utf8.ValidString(rd.Plate) || utf8.RuneCountInString(rd.Plate) > 16 {
				t.Fatalf("plate %q", rd.Plate)
			}
			if rd.Colour != "" && Colour(rd.Colour) != rd.Colour {
				t.Fatalf("colour %q", rd.Colour)
			}
			if rd.Confidence < 0 || rd.Confidence > 100 {
				t.Fatalf("confidence %d", rd.Confidence)
			}
			if i > len(b) {
				t.Fatal("more reads than bytes")
			}
		}
	})
}
