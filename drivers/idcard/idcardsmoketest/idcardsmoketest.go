// Package idcardsmoketest checks an ID card reader wired to a Raspberry
// Pi, in the manner of periph-smoketest: it reads the module's SAM number,
// then asks for a card, reads it twice while it lies there (the driver must
// report it once), and waits for it to be lifted. It prints only the masked
// name and number, never the whole card.
package idcardsmoketest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kakou/kakou/drivers/idcard"
)

// SmokeTest is run by a smoke-test runner on the Pi.
type SmokeTest struct {
	// Out receives the report; nil means standard output.
	Out io.Writer
}

// Name implements the SmokeTest interface.
func (s *SmokeTest) Name() string { return "idcard" }

// Description implements the SmokeTest interface.
func (s *SmokeTest) Description() string {
	return "Reads the ID card reader's SAM number and one card placed on it, reported once until lifted"
}

// Run implements the SmokeTest interface.
func (s *SmokeTest) Run(f *flag.FlagSet, args []string) error {
	port := f.String("port", "/dev/ttyUSB0", "the reader's serial device")
	baud := f.Int("baud", 115200, "the module's rate")
	wait := f.Duration("wait", 30*time.Second, "how long to wait for a card to be placed and lifted")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() != 0 {
		f.Usage()
		return errors.New("idcardsmoketest: unrecognized arguments")
	}
	out := s.Out
	if out == nil {
		out = os.Stdout
	}
	r, err := idcard.Open(*port, idcard.Options{Baud: *baud})
	if err != nil {
		return fmt.Errorf("idcardsmoketest: %w", err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *wait)
	defer cancel()
	sam, err := r.SAMID(ctx)
	if err != nil {
		return fmt.Errorf("idcardsmoketest: SAM number: %w (state %+v)", err, r.State())
	}
	fmt.Fprintf(out, "module SAM number %s\nplace a card on the reader, leave it a few seconds, then lift it\n", sam)
	return watch(ctx, r, out)
}

// watch runs the reader until a card has been reported and lifted.
func watch(ctx context.Context, r *idcard.Reader, out io.Writer) error {
	var found atomic.Int32
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// Lifted: a find that fails after a card was reported.
		for ctx.Err() == nil {
			time.Sleep(300 * time.Millisecond)
			if _, err := r.ReadOnce(ctx); errors.Is(err, idcard.ErrNoCard) && found.Load() > 0 {
				cancel()
			}
		}
	}()
	err := r.Run(ctx, func(c idcard.Card) {
		n := found.Add(1)
		fmt.Fprintf(out, "card %d: %s %s, expired %v\n", n, maskName(c.Name), maskNumber(c.Number), c.Expired(time.Now()))
	})
	switch n := found.Load(); {
	case n == 0:
		return fmt.Errorf("idcardsmoketest: no card read: %w", err)
	case n > 1:
		return fmt.Errorf("idcardsmoketest: one placement reported %d times", n)
	}
	fmt.Fprintln(out, "card lifted: PASS")
	return nil
}

func maskName(n string) string {
	r := []rune(n)
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

func maskNumber(n string) string {
	if len(n) != 18 {
		return strings.Repeat("*", len(n))
	}
	return n[:6] + "********" + n[14:]
}
