package unit

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/qrscan"
	"github.com/kakou/kakou/drivers/serialscanner"
	"github.com/kakou/kakou/internal/testenv"
)

const serialScanner = minimal + "[scanner]\ndriver = \"serial\"\nport = \"/dev/ttyACM0\"\n"

func TestScannerTimingDefaultsBringAReplugBackAndFlushABurst(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, serialScanner))
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.Scanner.serialOpts()
	if err != nil {
		t.Fatal(err)
	}
	if o.ReopenMax != time.Second || o.ReopenMax > serialscanner.MaxReopen {
		t.Errorf("ReopenMax = %v, want the 1s default, within %v", o.ReopenMax, serialscanner.MaxReopen)
	}
	if o.Frame.IdleFlush != 300*time.Millisecond {
		t.Errorf("IdleFlush = %v, want the 300ms default", o.Frame.IdleFlush)
	}
}

func TestScannerTimingKeysAreReadAndZeroIdleFlushMeansOff(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, serialScanner+"reopen_max = \"500ms\"\nidle_flush = \"0s\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := c.Scanner.serialOpts()
	if o.ReopenMax != 500*time.Millisecond || o.Frame.IdleFlush != 0 {
		t.Errorf("ReopenMax %v, IdleFlush %v; want 500ms and off", o.ReopenMax, o.Frame.IdleFlush)
	}
}

func TestScannerTimingKeysAreChecked(t *testing.T) {
	for _, tc := range []struct{ keys, want string }{
		{"reopen_max = \"5s\"", "scanner.reopen_max: 5s: want 250ms to 1.5s"},
		{"reopen_max = \"0s\"", "scanner.reopen_max: 0s"},
		{"idle_flush = \"10ms\"", "scanner.idle_flush: 10ms: want 50ms to 2s"},
		{"idle_flush = \"1m\"", "scanner.idle_flush: 1m0s"},
	} {
		_, err := LoadConfig(writeConfig(t, serialScanner+tc.keys+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.keys, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "reopen backoff") {
			t.Errorf("%s: the driver's message repeats the key's:\n%v", tc.keys, err)
		}
	}
}

// timeoutReader reads like a serial port with a read timeout: each step is
// a burst of bytes, or a quiet timeout ("") that moves the clock on.
type timeoutReader struct {
	steps []string
	now   *time.Time
}

func (r *timeoutReader) Read(p []byte) (int, error) {
	if len(r.steps) == 0 {
		return 0, io.EOF
	}
	s := r.steps[0]
	r.steps = r.steps[1:]
	if s == "" {
		*r.now = r.now.Add(200 * time.Millisecond)
	}
	return copy(p, s), nil
}

// A junk burst without a terminator, then a quiet second, then a person's
// code: with the unit's framing the code is read whole after the junk.
func TestUnitFramingKeepsTheCodeAfterAnUnterminatedBurst(t *testing.T) {
	for _, tc := range []struct {
		name, keys string
		want       []string
	}{
		{"default idle flush", "", []string{`invalid "\x1b@#"`, "KAKOU1:PASS:R-7"}},
		{"idle flush off", "idle_flush = \"0s\"\n", []string{`invalid "\x1b@#KAKOU1:PASS:R-7"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadConfig(writeConfig(t, serialScanner+tc.keys))
			if err != nil {
				t.Fatal(err)
			}
			o, _ := c.Scanner.serialOpts()
			now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
			o.Frame.Now = func() time.Time { return now }
			in := &timeoutReader{now: &now, steps: []string{"\x1b@#", "", "", "", "", "", "KAKOU1:PASS:R-7\r"}}
			fr := qrscan.NewReader(in, &o.Frame)
			var got []string
			for {
				c, err := fr.Next()
				if err != nil {
					break
				}
				if c.Valid {
					got = append(got, string(c.Data))
				} else {
					got = append(got, "invalid "+strconv.Quote(string(c.Data)))
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// The unit's scanner, opened from a config that leaves idle_flush out, on a
// socat pty: junk with no terminator, a pause, then a person's code.
func TestUnitIntegrationScannerFlushesAJunkBurstBeforeTheNextCode(t *testing.T) {
	if testing.Short() && !testenv.Integration() {
		t.Skip("integration test skipped with -short")
	}
	scannerEnd, unitEnd, _ := socatPair(t)
	c, err := LoadConfig(writeConfig(t, fmt.Sprintf("%s[scanner]\ndriver = \"serial\"\nport = %q\n", minimal, unitEnd)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := openDevices(c)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	port, err := os.OpenFile(scannerEnd, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	port.WriteString("\x1b@#")
	time.Sleep(time.Second)
	port.WriteString("KAKOU1:PASS:R-7\r")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var got []string
	for range 2 {
		code, err := d.scanner.Scan(ctx)
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, string(code))
	}
	if want := []string{"\x1b@#", "KAKOU1:PASS:R-7"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}
