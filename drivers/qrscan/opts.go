package qrscan

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Terminator is the byte sequence the scanner sends after each code. Scanners
// call this the "suffix" or "enter key" setting; most ship with CR.
type Terminator int

const (
	// Any ends a code at CR, LF or TAB, and treats CRLF as one terminator. It
	// is the zero value because it frames every factory setting seen.
	Any Terminator = iota
	// CR ends a code at a carriage return (0x0D) only.
	CR
	// LF ends a code at a line feed (0x0A) only.
	LF
	// CRLF ends a code at the pair CR LF only; a lone CR or LF is data.
	CRLF
	// TAB ends a code at a horizontal tab (0x09) only.
	TAB
)

var terminatorNames = [...]string{Any: "any", CR: "cr", LF: "lf", CRLF: "crlf", TAB: "tab"}

func (t Terminator) String() string {
	if t < 0 || int(t) >= len(terminatorNames) {
		return fmt.Sprintf("Terminator(%d)", int(t))
	}
	return terminatorNames[t]
}

// MarshalText writes the name used in config files.
func (t Terminator) MarshalText() ([]byte, error) {
	if t < 0 || int(t) >= len(terminatorNames) {
		return nil, fmt.Errorf("qrscan: terminator %d: unknown", int(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads "any", "cr", "lf", "crlf" or "tab" (any case), so a
// config file can name the scanner's setting.
func (t *Terminator) UnmarshalText(b []byte) error {
	for i, name := range terminatorNames {
		if strings.EqualFold(string(b), name) {
			*t = Terminator(i)
			return nil
		}
	}
	return fmt.Errorf("qrscan: terminator %q: want any, cr, lf, crlf or tab", b)
}

// contains reports whether s holds a byte sequence that would end a code, so
// a prefix or suffix containing one could never be seen whole.
func (t Terminator) contains(s string) bool {
	switch t {
	case CR:
		return strings.IndexByte(s, '\r') >= 0
	case LF:
		return strings.IndexByte(s, '\n') >= 0
	case CRLF:
		return strings.Contains(s, "\r\n")
	case TAB:
		return strings.IndexByte(s, '\t') >= 0
	default:
		return strings.ContainsAny(s, "\r\n\t")
	}
}

// find returns the index and length of the first terminator in b, or -1.
func (t Terminator) find(b []byte) (i, n int) {
	switch t {
	case CR:
		return bytes.IndexByte(b, '\r'), 1
	case LF:
		return bytes.IndexByte(b, '\n'), 1
	case CRLF:
		return bytes.Index(b, crlf), 2
	case TAB:
		return bytes.IndexByte(b, '\t'), 1
	}
	i = indexAny(b)
	if i >= 0 && b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
		return i, 2
	}
	return i, 1
}

var crlf = []byte("\r\n")

// indexAny finds the first CR, LF or TAB. A plain loop beats bytes.IndexAny
// here because all three are below 0x0E and almost every byte of a code is not.
func indexAny(b []byte) int {
	for i, c := range b {
		if c <= '\r' && (c == '\r' || c == '\n' || c == '\t') {
			return i
		}
	}
	return -1
}

const (
	// DefaultMaxLen bounds a code when Opts.MaxLen is 0. A QR code holds at
	// most 2,953 bytes in byte mode, but health codes, passes and URLs are
	// a few hundred at most; anything longer is line noise or a merged run.
	DefaultMaxLen = 1024
	// MaxLenLimit is the largest MaxLen accepted; it keeps the buffer small
	// on a Pi Zero and the arithmetic far from overflow.
	MaxLenLimit = 64 << 10
)

// Opts configures framing. Start from DefaultOpts: the zero value disables
// de-duplication, as a DedupWindow of 0 means "off".
type Opts struct {
	// Terminator is what the scanner sends after each code.
	Terminator Terminator
	// Prefix and Suffix are stripped from a code when present, for scanners
	// set to add a fixed marker (for example an AIM identifier like "]Q1").
	// They may not contain a terminator. MaxLen counts them.
	Prefix, Suffix string
	// MaxLen bounds a code in bytes, before stripping; 0 means
	// DefaultMaxLen. A longer code is reported as ErrOversize and dropped.
	MaxLen int
	// DedupWindow suppresses the same code read again within this long of
	// the previous read of it, so a phone held in front of a scanner in
	// continuous mode counts once. 0 disables.
	DedupWindow time.Duration
	// IdleFlush ends a code that has been followed by silence this long,
	// for scanners set to send no terminator. 0 disables. It is checked each
	// time the reader's Read returns, so it needs a reader that returns
	// periodically (a serial port with a read timeout).
	IdleFlush time.Duration
	// Now is the clock for Code.At, de-duplication and IdleFlush; nil
	// means time.Now. Tests replace it so they never sleep.
	Now func() time.Time
}

// DefaultOpts suits a scanner in its factory "serial/keyboard" mode.
var DefaultOpts = Opts{
	Terminator:  Any,
	MaxLen:      DefaultMaxLen,
	DedupWindow: 2 * time.Second,
}

// Validate reports every problem with the options. It does no I/O.
func (o *Opts) Validate() error {
	var errs []error
	if o.Terminator < Any || o.Terminator > TAB {
		errs = append(errs, fmt.Errorf("qrscan: terminator %d: unknown", int(o.Terminator)))
	}
	if o.MaxLen < 0 || o.MaxLen > MaxLenLimit {
		errs = append(errs, fmt.Errorf("qrscan: max length %d: want 1..%d, or 0 for %d", o.MaxLen, MaxLenLimit, DefaultMaxLen))
	}
	if o.DedupWindow < 0 {
		errs = append(errs, fmt.Errorf("qrscan: dedup window %v: negative", o.DedupWindow))
	}
	if o.IdleFlush < 0 {
		errs = append(errs, fmt.Errorf("qrscan: idle flush %v: negative", o.IdleFlush))
	}
	errs = append(errs, o.validateAffixes()...)
	return errors.Join(errs...)
}

func (o *Opts) validateAffixes() []error {
	var errs []error
	for _, a := range []struct{ name, s string }{{"prefix", o.Prefix}, {"suffix", o.Suffix}} {
		if o.Terminator.contains(a.s) {
			errs = append(errs, fmt.Errorf("qrscan: %s %q: contains the %v terminator", a.name, a.s, o.Terminator))
		}
	}
	if n := len(o.Prefix) + len(o.Suffix); n >= o.maxLen() && o.MaxLen >= 0 {
		errs = append(errs, fmt.Errorf("qrscan: prefix and suffix take %d bytes: leave room within max length %d", n, o.maxLen()))
	}
	return errs
}

func (o *Opts) maxLen() int {
	if o.MaxLen == 0 {
		return DefaultMaxLen
	}
	return o.MaxLen
}

func (o *Opts) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}
