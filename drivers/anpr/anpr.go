package anpr

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxLine bounds one line of the protocol: a plate is at most 8
// characters, so anything longer is noise.
const MaxLine = 128

// Tag starts every line of the protocol.
const Tag = "PLATE,"

// Read is one plate the camera reported.
type Read struct {
	Plate      string // as the camera sent it, not yet normalised
	Colour     string // blue, yellow, green, white, black or ""
	Confidence int    // 0-100
	At         time.Time
}

// Opts tune the reader.
type Opts struct {
	// MinConfidence drops reads the camera itself doubts (0-100).
	MinConfidence int
	// DedupWindow: the same plate again within it counts once.
	DedupWindow time.Duration
	// Now stamps reads; time.Now when nil.
	Now func() time.Time
}

// DefaultOpts suit a camera at a barrier: a car waits a few seconds and
// is read over and over.
var DefaultOpts = Opts{MinConfidence: 60, DedupWindow: 10 * time.Second}

// Validate reports options that cannot work.
func (o *Opts) Validate() error {
	switch {
	case o.MinConfidence < 0 || o.MinConfidence > 100:
		return fmt.Errorf("anpr: min confidence %d is not 0-100", o.MinConfidence)
	case o.DedupWindow < 0 || o.DedupWindow > time.Hour:
		return fmt.Errorf("anpr: dedup window %s is not 0-1h", o.DedupWindow)
	}
	return nil
}

// Reader frames reads from a camera's byte stream. It is not safe for
// concurrent use.
type Reader struct {
	br      *bufio.Reader
	opts    Opts
	optErr  error
	skipped int
	last    string
	lastAt  time.Time
}

// NewReader frames reads from r; a nil opts means DefaultOpts. Options
// that fail Validate make every Next return that error.
func NewReader(r io.Reader, opts *Opts) *Reader {
	if opts == nil {
		opts = &DefaultOpts
	}
	o := *opts
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Reader{br: bufio.NewReaderSize(r, MaxLine+16), opts: o, optErr: opts.Validate()}
}

// Skipped is how many lines were dropped as noise or doubt so far.
func (r *Reader) Skipped() int { return r.skipped }

// Next blocks until the next plate. It returns io.EOF at the end of the
// stream (a partial last line is noise) and other read errors wrapped.
func (r *Reader) Next() (Read, error) {
	if r.optErr != nil {
		return Read{}, r.optErr
	}
	for {
		line, err := r.line()
		if err != nil {
			return Read{}, err
		}
		rd, ok := Parse(line)
		if !ok || rd.Confidence < r.opts.MinConfidence {
			r.skipped++
			continue
		}
		rd.At = r.opts.Now()
		if rd.Plate == r.last && rd.At.Sub(r.lastAt) < r.opts.DedupWindow {
			r.lastAt = rd.At // still at the barrier
			continue
		}
		r.last, r.lastAt = rd.Plate, rd.At
		return rd, nil
	}
}

// line returns the next line without its terminator, dropping lines over
// MaxLine whole.
func (r *Reader) line() ([]byte, error) {
	var long bool
	for {
		b, err := r.br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			long = true
			continue
		case err == io.EOF:
			return nil, io.EOF
		case err != nil:
			return nil, fmt.Errorf("anpr: read: %w", err)
		case long || len(b) > MaxLine+1:
			r.skipped++
			long = false
			continue
		}
		return bytes.TrimSuffix(b[:len(b)-1], []byte("\r")), nil
	}
}

// Parse reads one line of the protocol (without its terminator); ok is
// false for a line that does not fit it. Bytes before the tag are
// ignored.
func Parse(line []byte) (Read, bool) {
	i := bytes.Index(line, []byte(Tag))
	if i < 0 || len(line) > MaxLine {
		return Read{}, false
	}
	f := bytes.Split(line[i+len(Tag):], []byte(","))
	if len(f) != 3 {
		return Read{}, false
	}
	plate := string(bytes.TrimSpace(f[0]))
	if plate == "" || utf8.RuneCountInString(plate) > 16 || !printable(plate) {
		return Read{}, false
	}
	conf, err := strconv.Atoi(string(bytes.TrimSpace(f[2])))
	if err != nil || conf < 0 || conf > 100 {
		return Read{}, false
	}
	return Read{Plate: plate, Colour: Colour(string(bytes.TrimSpace(f[1]))), Confidence: conf}, true
}

// colours maps what cameras send to the wire's plate colours.
var colours = map[string]string{
	"blue": "blue", "yellow": "yellow", "green": "green", "white": "white", "black": "black",
	"蓝": "blue", "黄": "yellow", "绿": "green", "白": "white", "黑": "black",
	"BLUE": "blue", "YELLOW": "yellow", "GREEN": "green", "WHITE": "white", "BLACK": "black",
}

// Colour is the plate colour a camera sent, as the wire spells it, or "".
func Colour(s string) string { return colours[s] }

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

// Frame is the line a camera sends for one read: what a simulated camera
// writes and what an installer types to test the wiring.
func Frame(plate, colour string, confidence int) []byte {
	return []byte(fmt.Sprintf("%s%s,%s,%d\r\n", Tag, plate, colour, confidence))
}
