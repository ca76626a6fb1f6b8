package serialscanner

import (
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/kakou/kakou/drivers/qrscan"
)

func TestOptsValidateExplainsEachProblem(t *testing.T) {
	ok := DefaultOpts
	ok.Port = "/dev/ttyACM0"
	for _, tc := range []struct {
		name string
		edit func(*Opts)
		want []string
	}{
		{"defaults with a port", func(*Opts) {}, nil},
		{"zero values take defaults", func(o *Opts) { *o = Opts{Port: "/dev/serial0"} }, nil},
		{"7E2 at 115200", func(o *Opts) { o.Baud, o.DataBits, o.Parity, o.StopBits = 115200, 7, "even", 2 }, nil},
		{"no port", func(o *Opts) { o.Port = " " }, []string{"serialscanner: port: empty"}},
		{"odd baud", func(o *Opts) { o.Baud = 1234 }, []string{"serialscanner: baud 1234: not a standard rate (want one of [1200 2400"}},
		{"negative baud", func(o *Opts) { o.Baud = -9600 }, []string{"serialscanner: baud -9600: not a standard rate"}},
		{"nine data bits", func(o *Opts) { o.DataBits = 9 }, []string{"serialscanner: data bits 9: want 7 or 8"}},
		{"mark parity", func(o *Opts) { o.Parity = "mark" }, []string{`serialscanner: parity "mark": want none, even or odd`}},
		{"1.5 stop bits", func(o *Opts) { o.StopBits = 3 }, []string{"serialscanner: stop bits 3: want 1 or 2"}},
		{"backoff upside down", func(o *Opts) { o.ReopenMin, o.ReopenMax = 5*time.Second, time.Second },
			[]string{"serialscanner: reopen backoff 5s to 1s: want 0 < ReopenMin <= ReopenMax"}},
		{"backoff too slow for a replug", func(o *Opts) { o.ReopenMax = 5 * time.Second },
			[]string{"serialscanner: reopen backoff 250ms to 5s: want 0 < ReopenMin <= ReopenMax <= 1.5s"}},
		{"frame problem", func(o *Opts) { o.Frame.MaxLen = -1 }, []string{"serialscanner: frame: qrscan: max length -1"}},
		{"every problem at once", func(o *Opts) { o.Port, o.Baud, o.Parity = "", 7, "odd?" },
			[]string{"port: empty", "baud 7", `parity "odd?"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			tc.edit(&o)
			err := o.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestOpenRejectsBadOptsBeforeTouchingThePort(t *testing.T) {
	_, err := Open(&Opts{Port: t.TempDir() + "/absent", Baud: 1234})
	if err == nil || !strings.Contains(err.Error(), "baud 1234") {
		t.Fatalf("Open = %v, want the baud error", err)
	}
	if _, err := Open(nil); err == nil || !strings.Contains(err.Error(), "port: empty") {
		t.Fatalf("Open(nil) = %v, want the empty port error", err)
	}
}

func TestModeCarriesSerialSettings(t *testing.T) {
	o := Opts{Port: "/dev/serial0", Baud: 19200, DataBits: 7, Parity: "odd", StopBits: 2, Frame: qrscan.DefaultOpts}
	m := o.mode()
	if m.BaudRate != 19200 || m.DataBits != 7 || m.Parity != serial.OddParity || m.StopBits != serial.TwoStopBits {
		t.Errorf("mode() = %+v", *m)
	}
}
