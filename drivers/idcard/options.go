package idcard

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.bug.st/serial"

	"github.com/kakou/kakou/drivers/internal/serialline"
)

// Options configures a Reader. The zero value is the module's factory
// setting: 115200 8N1, polled every 300 ms, 1 s per command.
type Options struct {
	// Baud is the module's rate; 0 means 115200, the factory setting
	// (the modules also offer 57600, 38400, 19200 and 9600, set by
	// command 60 xx). USB-CDC readers ignore it.
	Baud int
	// DataBits is 7 or 8, Parity "none", "even" or "odd", StopBits 1 or
	// 2; zero values mean 8, none and 1, the only setting the modules
	// document.
	DataBits int
	Parity   string
	StopBits int
	// PollInterval is the wait between one find-select-read round and the
	// next; 0 means 300 ms. A card is read within about one interval of
	// being placed, and each round costs the module a find when no card
	// is there.
	PollInterval time.Duration
	// CommandTimeout bounds each command's answer; 0 means 1 s. Reading
	// base information takes about 0.8 s on real modules, so less than
	// that fails every read.
	CommandTimeout time.Duration
	// ReopenMin and ReopenMax bound the jittered exponential backoff
	// between attempts to reopen a reader that was unplugged; 0 means
	// 250 ms and 1 s, so a replugged reader works again within the 2 s a
	// guard expects of a replugged device (docs/product.md "Who uses it").
	ReopenMin, ReopenMax time.Duration
	// Refused, when set, is told of a card that was read whole but whose
	// text no genuine card holds (an error wrapping ErrBadCard that says
	// what is wrong), once per placement, so the guard can be shown it:
	// a forged or damaged card must not just be silently ignored.
	Refused func(error)
}

// DefaultOptions spells out the defaults the zero Options gets.
var DefaultOptions = Options{
	Baud:           115200,
	DataBits:       8,
	Parity:         "none",
	StopBits:       1,
	PollInterval:   300 * time.Millisecond,
	CommandTimeout: time.Second,
	ReopenMin:      250 * time.Millisecond,
	ReopenMax:      time.Second,
}

// bauds are the rates the modules can be set to.
var bauds = []int{9600, 19200, 38400, 57600, 115200}

// Validate reports every problem with the options, after defaults. It does
// no I/O.
func (o Options) Validate() error {
	d := o.withDefaults()
	var errs []error
	if o.PollInterval < 0 || o.CommandTimeout < 0 || o.ReopenMin < 0 || o.ReopenMax < 0 {
		errs = append(errs, errors.New("idcard: a negative duration among poll interval, command timeout and reopen backoff (leave a field 0 for its default)"))
	}
	if !slices.Contains(bauds, d.Baud) {
		errs = append(errs, fmt.Errorf("idcard: baud %d: the modules offer only %v", d.Baud, bauds))
	}
	errs = append(errs, d.line().Problems("idcard")...)
	if d.PollInterval < 10*time.Millisecond || d.PollInterval > 5*time.Second {
		errs = append(errs, fmt.Errorf("idcard: poll interval %v: want 10ms to 5s (a card must be read while the person waits)", d.PollInterval))
	}
	if d.CommandTimeout < 100*time.Millisecond || d.CommandTimeout > 10*time.Second {
		errs = append(errs, fmt.Errorf("idcard: command timeout %v: want 100ms to 10s (reading a card takes about 0.8 s)", d.CommandTimeout))
	}
	if d.ReopenMin <= 0 || d.ReopenMax < d.ReopenMin || d.ReopenMax > 1500*time.Millisecond {
		errs = append(errs, fmt.Errorf("idcard: reopen backoff %v to %v: want 0 < min <= max <= 1.5s, so a replugged reader works within 2 s", d.ReopenMin, d.ReopenMax))
	}
	return errors.Join(errs...)
}

// withDefaults fills the zero fields; the one place defaults are applied.
// A negative duration gets its default too (Validate reports it), so a
// Reader from New, which cannot fail, never polls in a busy loop.
func (o Options) withDefaults() Options {
	d := DefaultOptions
	if o.Baud == 0 {
		o.Baud = d.Baud
	}
	if o.DataBits == 0 {
		o.DataBits = d.DataBits
	}
	if o.Parity == "" {
		o.Parity = d.Parity
	}
	if o.StopBits == 0 {
		o.StopBits = d.StopBits
	}
	if o.PollInterval <= 0 {
		o.PollInterval = d.PollInterval
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = d.CommandTimeout
	}
	if o.ReopenMin <= 0 {
		o.ReopenMin = d.ReopenMin
	}
	if o.ReopenMax <= 0 {
		o.ReopenMax = max(d.ReopenMax, o.ReopenMin)
	}
	return o
}

// mode is the serial setting for validated options.
func (o Options) mode() *serial.Mode { return o.line().Mode() }

// line is the framing the options give.
func (o Options) line() serialline.Line {
	return serialline.Line{Baud: o.Baud, DataBits: o.DataBits, Parity: o.Parity, StopBits: o.StopBits}
}
