package qrscan

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// FuzzFrame drives Split and Reader over arbitrary bytes, read in pieces of
// arbitrary size, and checks that no frame exceeds maxLen, no frame holds a
// terminator, the pieces Split consumes add up to the input, and Reader
// agrees with a naive model that splits the whole input at once.
func FuzzFrame(f *testing.F) {
	for _, tc := range frameCases {
		maxLen := tc.opts.MaxLen
		if maxLen == 0 {
			maxLen = 100
		}
		f.Add([]byte(strings.Join(tc.chunks, "")), uint8(tc.opts.Terminator), uint16(maxLen-1), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, term uint8, maxLen uint16, chunk uint8) {
		tm := Terminator(term % 5)
		ml := int(maxLen%512) + 1
		size := int(chunk%64) + 1
		checkSplit(t, data, tm, ml, size)
		checkReader(t, data, tm, ml, size)
	})
}

// checkSplit feeds data to Split as a caller would, size more bytes each
// time it asks, and rebuilds the input from what it consumed.
func checkSplit(t *testing.T, data []byte, tm Terminator, ml, size int) {
	var rebuilt []byte
	pos, avail := 0, min(size, len(data))
	for {
		buf, atEOF := data[pos:avail], avail == len(data)
		adv, line, kind := Split(buf, atEOF, tm, ml)
		if kind == NeedMore {
			if adv != 0 || (atEOF && len(buf) > 0) {
				t.Fatalf("Split(%q, atEOF=%v) = NeedMore with advance %d", buf, atEOF, adv)
			}
			if atEOF {
				break
			}
			avail = min(avail+size, len(data))
			continue
		}
		if adv <= 0 || adv > len(buf) || !bytes.HasPrefix(buf, line) {
			t.Fatalf("Split(%q) = %d, %q, %v: not a prefix of the input", buf, adv, line, kind)
		}
		checkFrame(t, buf[:adv], line, kind, tm, ml, atEOF)
		rebuilt = append(rebuilt, buf[:adv]...)
		pos += adv
	}
	if !bytes.Equal(rebuilt, data) {
		t.Fatalf("consumed %q, input was %q", rebuilt, data)
	}
}

func checkFrame(t *testing.T, consumed, line []byte, kind Kind, tm Terminator, ml int, atEOF bool) {
	switch kind {
	case Line:
		if !isTerminator(consumed[len(line):], tm) {
			t.Fatalf("Line %q ends with %q, not a %v terminator", line, consumed[len(line):], tm)
		}
	case Tail:
		if !atEOF || len(line) != len(consumed) {
			t.Fatalf("Tail %q before EOF or not all input", line)
		}
	case TooLong:
		if len(consumed) != ml+1 || len(line) != ml+1 {
			t.Fatalf("TooLong piece %q of %d bytes, want %d", line, len(consumed), ml+1)
		}
		return
	}
	if len(line) > ml {
		t.Fatalf("%v %q longer than %d", kind, line, ml)
	}
	if tm.contains(string(line)) {
		t.Fatalf("%v %q holds a %v terminator", kind, line, tm)
	}
}

func isTerminator(b []byte, tm Terminator) bool {
	s := string(b)
	switch tm {
	case CR:
		return s == "\r"
	case LF:
		return s == "\n"
	case CRLF:
		return s == "\r\n"
	case TAB:
		return s == "\t"
	}
	return s == "\r" || s == "\n" || s == "\t" || s == "\r\n"
}

// checkReader compares Reader, reading size bytes at a time, with model.
func checkReader(t *testing.T, data []byte, tm Terminator, ml, size int) {
	var parts []string
	for rest := string(data); rest != ""; {
		n := min(size, len(rest))
		parts = append(parts, rest[:n])
		rest = rest[n:]
	}
	got := drain(t, NewReader(chunks(parts...), &Opts{Terminator: tm, MaxLen: ml}))
	want := model(data, tm, ml)
	if strings.Join(got, "\x00|") != strings.Join(want, "\x00|") {
		t.Fatalf("Reader(%q, %v, max %d, reads of %d)\n got  %q\n want %q", data, tm, ml, size, got, want)
	}
}

// model frames the whole input with the standard library, as drain reports.
func model(data []byte, tm Terminator, ml int) []string {
	lines := modelLines(data, tm)
	var out []string
	for _, l := range lines[:len(lines)-1] {
		switch {
		case len(l) > ml:
			out = append(out, "oversize")
		case isNoise(l):
		case valid(l):
			out = append(out, string(l))
		default:
			out = append(out, fmt.Sprintf("invalid %q", l))
		}
	}
	if len(lines[len(lines)-1]) > 0 {
		return append(out, "unexpected EOF")
	}
	return append(out, "EOF")
}

// modelLines splits data at every terminator; the last element is the tail.
// Under Any, CRLF yields an extra empty line, which Reader skips anyway.
func modelLines(data []byte, tm Terminator) [][]byte {
	switch tm {
	case CR:
		return bytes.Split(data, []byte("\r"))
	case LF:
		return bytes.Split(data, []byte("\n"))
	case CRLF:
		return bytes.Split(data, []byte("\r\n"))
	case TAB:
		return bytes.Split(data, []byte("\t"))
	}
	var lines [][]byte
	start := 0
	for i, c := range data {
		if c == '\r' || c == '\n' || c == '\t' {
			lines = append(lines, data[start:i])
			start = i + 1
		}
	}
	return append(lines, data[start:])
}
