package serialscanner

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.bug.st/serial"

	"github.com/kakou/kakou/drivers/qrscan"

	"github.com/kakou/kakou/drivers/internal/serialline"
)

// Opts configures a Scanner. Start from DefaultOpts and set Port: a zero
// Frame turns de-duplication off (see qrscan.Opts).
type Opts struct {
	// Port is the device: prefer a stable /dev/serial/by-id/usb-… link to
	// /dev/ttyACM0, whose number changes when the scanner is replugged
	// while the old one is still open, and /dev/serial0 for the Pi's UART.
	Port string
	// Baud is the scanner's rate; 0 means 9600, the factory setting of
	// nearly every serial scanner. USB-CDC scanners ignore it.
	Baud int
	// DataBits is 7 or 8; 0 means 8.
	DataBits int
	// Parity is "none", "even" or "odd"; "" means none.
	Parity string
	// StopBits is 1 or 2; 0 means 1.
	StopBits int
	// Frame says how codes are framed.
	Frame qrscan.Opts
	// ReopenMin and ReopenMax bound the jittered exponential backoff
	// between attempts to reopen an unplugged scanner; 0 means
	// DefaultOpts' (neither can be 0). The minimum is also the wait before
	// the first attempt. ReopenMax is the longest a replugged scanner waits
	// to be opened again, so it is kept well under the 2 s in which a guard
	// expects a replugged scanner to work; at most MaxReopen.
	ReopenMin, ReopenMax time.Duration
}

// MaxReopen is the largest ReopenMax accepted: a replugged scanner must be
// read again within 2 s (docs/product.md "Who uses it": the guard
// must keep working), and
// the wait between attempts is most of that time.
const MaxReopen = 1500 * time.Millisecond

// DefaultOpts is a 9600 8N1 scanner with qrscan.DefaultOpts framing.
var DefaultOpts = Opts{
	Baud:      9600,
	DataBits:  8,
	Parity:    "none",
	StopBits:  1,
	Frame:     qrscan.DefaultOpts,
	ReopenMin: 250 * time.Millisecond,
	ReopenMax: time.Second,
}

// standardBauds are the rates scanner manuals offer that Linux can set
// without a custom divisor.
var standardBauds = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400}

// Validate reports every problem with the options, after applying
// defaults. It does no I/O: a port that does not exist yet is not an error.
func (o *Opts) Validate() error {
	d := o.withDefaults()
	var errs []error
	if strings.TrimSpace(d.Port) == "" {
		errs = append(errs, errors.New("serialscanner: port: empty (want a device such as /dev/ttyACM0 or /dev/serial/by-id/…)"))
	}
	if !slices.Contains(standardBauds, d.Baud) {
		errs = append(errs, fmt.Errorf("serialscanner: baud %d: not a standard rate (want one of %v)", d.Baud, standardBauds))
	}
	errs = append(errs, d.line().Problems("serialscanner")...)
	if d.ReopenMin < 0 || d.ReopenMax < d.ReopenMin || d.ReopenMax > MaxReopen {
		errs = append(errs, fmt.Errorf("serialscanner: reopen backoff %v to %v: want 0 < ReopenMin <= ReopenMax <= %v, so a replugged scanner is read again within 2 s", d.ReopenMin, d.ReopenMax, MaxReopen))
	}
	if err := d.Frame.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("serialscanner: frame: %w", err))
	}
	return errors.Join(errs...)
}

// withDefaults fills the zero fields; the one place defaults are applied.
func (o Opts) withDefaults() Opts {
	if o.Baud == 0 {
		o.Baud = DefaultOpts.Baud
	}
	if o.DataBits == 0 {
		o.DataBits = DefaultOpts.DataBits
	}
	if o.Parity == "" {
		o.Parity = DefaultOpts.Parity
	}
	if o.StopBits == 0 {
		o.StopBits = DefaultOpts.StopBits
	}
	if o.ReopenMin == 0 {
		o.ReopenMin = DefaultOpts.ReopenMin
	}
	if o.ReopenMax == 0 {
		o.ReopenMax = max(DefaultOpts.ReopenMax, o.ReopenMin)
	}
	return o
}

// mode is the serial setting for validated options.
func (o *Opts) mode() *serial.Mode { return o.line().Mode() }

// line is the framing the options give.
func (o *Opts) line() serialline.Line {
	return serialline.Line{Baud: o.Baud, DataBits: o.DataBits, Parity: o.Parity, StopBits: o.StopBits}
}
