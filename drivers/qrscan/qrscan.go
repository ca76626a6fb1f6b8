package qrscan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrOversize is wrapped by the error Next returns for a code longer than
// Opts.MaxLen. The code is dropped and framing resumes at the next
// terminator, so the caller just calls Next again.
var ErrOversize = errors.New("qrscan: code longer than MaxLen")

// Code is one scan.
type Code struct {
	// Data is the code as received, with Opts.Prefix and Opts.Suffix
	// removed. Nothing else is changed, so the ledger can keep the raw
	// reading ("no scan without verification", docs/product.md "What else the
	// plans ask of a checkpoint").
	Data []byte
	// Valid reports that Data is UTF-8 with no control characters. An
	// invalid code is still returned, never dropped: the guard must see
	// "unknown code, scan again" rather than nothing at all.
	Valid bool
	// At is when the code was complete, by Opts.Now.
	At time.Time
}

// Reader frames codes from a scanner's byte stream. It is not safe for
// concurrent use.
type Reader struct {
	r    io.Reader
	opts Opts
	// optErr is the options' Validate error, reported by every Next.
	optErr error
	// err is the stream's error, reported once the buffer is drained.
	err error

	// buf[start:end] holds bytes not yet framed: never more than one
	// partial line of at most maxLen+1 bytes, plus one read.
	buf        []byte
	start, end int
	// skipped counts bytes dropped from an over-long line still running.
	skipped  int
	skipping bool
	// lastByte is when the partial line last grew, for IdleFlush.
	lastByte time.Time

	// last and lastAt remember the previous code for DedupWindow.
	last   []byte
	lastAt time.Time
}

// readSize is the room kept for each Read beyond the longest partial line.
const readSize = 512

// NewReader frames codes read from r. A nil opts means DefaultOpts. Options
// that fail Validate make every Next return that error, so a driver built
// from a bad config fails loudly on first use.
func NewReader(r io.Reader, opts *Opts) *Reader {
	if opts == nil {
		opts = &DefaultOpts
	}
	rd := &Reader{r: r, opts: *opts, optErr: opts.Validate()}
	rd.opts.MaxLen = clampMaxLen(opts.MaxLen)
	rd.buf = make([]byte, rd.opts.MaxLen+2+readSize)
	return rd
}

// Reset drops any partial line and reads from r from now on, keeping the
// de-duplication memory: a scanner that was unplugged and plugged back in
// is the same scanner, and the same phone in front of it is the same scan.
func (r *Reader) Reset(rd io.Reader) {
	r.r = rd
	r.err = nil
	r.start, r.end = 0, 0
	r.skipping, r.skipped = false, 0
}

// Next blocks until the next code. It returns an ErrOversize-wrapped error
// for a code too long (call Next again), io.EOF at the end of input, an
// io.ErrUnexpectedEOF-wrapped error if the input ends inside a code, and
// other read errors wrapped.
//
// Empty lines, and lines of nothing but 0x00 and 0xFF (the bytes a UART
// reads while a scanner powers up or its cable is plugged in), are skipped.
func (r *Reader) Next() (Code, error) {
	if r.optErr != nil {
		return Code{}, r.optErr
	}
	for {
		if c, ok, err := r.frame(false); ok {
			return c, err
		}
		if r.err != nil {
			return r.finish()
		}
		if c, ok, err := r.fill(); ok {
			return c, err
		}
	}
}

// frame consumes buffered bytes until it has a code or an error to report
// (ok), or needs more input.
func (r *Reader) frame(atEOF bool) (Code, bool, error) {
	for {
		adv, line, kind := Split(r.buf[r.start:r.end], atEOF, r.opts.Terminator, r.opts.MaxLen)
		r.start += adv
		switch kind {
		case NeedMore:
			return Code{}, false, nil
		case TooLong:
			r.skipping = true
			r.skipped += adv
			continue
		}
		if r.skipping {
			return Code{}, true, r.oversize(len(line))
		}
		if c, ok := r.accept(line); ok {
			return c, true, nil
		}
	}
}

// flush ends the partial line as if the input ended there: for IdleFlush
// and for EOF.
func (r *Reader) flush() (Code, bool, error) {
	if c, ok, err := r.frame(true); ok {
		return c, true, err
	}
	if r.skipping {
		return Code{}, true, r.oversize(0)
	}
	return Code{}, false, nil
}

func (r *Reader) oversize(tail int) error {
	n := r.skipped + tail
	r.skipping, r.skipped = false, 0
	return fmt.Errorf("%w (%d bytes > %d)", ErrOversize, n, r.opts.MaxLen)
}

// pending reports whether a line has started and not ended.
func (r *Reader) pending() bool { return r.start < r.end || r.skipping }

// fill reads once. A partial line that went quiet for IdleFlush before this
// read returned is a whole code, reported before the new bytes are framed.
func (r *Reader) fill() (Code, bool, error) {
	r.compact()
	old := r.end
	wasPending := r.pending()
	n, err := r.r.Read(r.buf[old:])
	if n < 0 || n > len(r.buf)-old {
		n, err = 0, fmt.Errorf("invalid count %d from Read", n)
	}
	r.end += n
	r.setErr(err)
	if r.opts.IdleFlush <= 0 {
		return Code{}, false, nil
	}
	now := r.opts.now()
	quiet := wasPending && now.Sub(r.lastByte) >= r.opts.IdleFlush
	if n > 0 {
		r.lastByte = now
	}
	if !quiet {
		return Code{}, false, nil
	}
	return r.flushBefore(old)
}

// flushBefore flushes buf[start:limit], leaving later bytes for framing.
func (r *Reader) flushBefore(limit int) (Code, bool, error) {
	end := r.end
	r.end = limit
	c, ok, err := r.flush()
	r.end = end
	return c, ok, err
}

// compact moves the partial line to the front so a read always has room:
// after NeedMore at most maxLen+1 bytes remain, and buf has readSize more.
func (r *Reader) compact() {
	if r.start == 0 {
		return
	}
	r.end = copy(r.buf, r.buf[r.start:r.end])
	r.start = 0
}

func (r *Reader) setErr(err error) {
	if err == nil || r.err != nil {
		return
	}
	if err != io.EOF {
		err = fmt.Errorf("qrscan: read: %w", err)
	}
	r.err = err
}

// finish reports the end of the stream once the buffer holds no whole line.
// An unterminated tail is a code only when IdleFlush says the scanner sends
// no terminators; otherwise it is a scan cut short, and is dropped.
func (r *Reader) finish() (Code, error) {
	if r.err == io.EOF && r.opts.IdleFlush > 0 && r.pending() {
		if c, ok, err := r.flush(); ok {
			return c, err
		}
	}
	if !r.pending() {
		return Code{}, r.err
	}
	n := r.end - r.start + r.skipped
	r.start, r.end = 0, 0
	r.skipping, r.skipped = false, 0
	if r.err == io.EOF {
		return Code{}, fmt.Errorf("qrscan: input ended %d bytes into a code: %w", n, io.ErrUnexpectedEOF)
	}
	return Code{}, r.err
}

// accept turns a framed line into a code, or reports false for a line to
// skip: empty, noise, or a repeat within DedupWindow.
func (r *Reader) accept(line []byte) (Code, bool) {
	if isNoise(line) {
		return Code{}, false
	}
	line = bytes.TrimPrefix(line, []byte(r.opts.Prefix))
	line = bytes.TrimSuffix(line, []byte(r.opts.Suffix))
	if len(line) == 0 {
		return Code{}, false
	}
	now := r.opts.now()
	if r.repeat(line, now) {
		return Code{}, false
	}
	data := bytes.Clone(line)
	return Code{Data: data, Valid: valid(data), At: now}, true
}

// repeat reports whether line is the previous code read again within
// DedupWindow of its previous read, and remembers it. The window slides: a
// phone held in front of a scanner in continuous mode is re-read every few
// hundred milliseconds and must stay one scan however long it is held.
// Only the previous code is remembered, so memory stays bounded. Durations
// come from the monotonic clock, so NTP stepping the Pi's clock forward from
// 1970 does not matter.
func (r *Reader) repeat(line []byte, now time.Time) bool {
	w := r.opts.DedupWindow
	if w <= 0 {
		return false
	}
	same := bytes.Equal(line, r.last) && now.Sub(r.lastAt) < w
	r.last = append(r.last[:0], line...)
	r.lastAt = now
	return same
}

// isNoise reports a line of only 0x00 and 0xFF bytes (including none).
func isNoise(b []byte) bool {
	for _, c := range b {
		if c != 0x00 && c != 0xFF {
			return false
		}
	}
	return true
}

// valid reports UTF-8 text with no control characters (C0, DEL, C1). A
// health code, pass or URL is printable text; anything else is a misread,
// a binary code, or a scanner set to the wrong code page.
func valid(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		if unicode.IsControl(r) {
			return false
		}
		b = b[size:]
	}
	return true
}
