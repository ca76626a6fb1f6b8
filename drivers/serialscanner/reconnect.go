package serialscanner

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"time"

	"go.bug.st/serial"

	"github.com/kakou/kakou/drivers/qrscan"

	"github.com/kakou/kakou/drivers/internal/serialline"
)

// run reads codes until Close, reopening the port whenever it fails. It is
// the only goroutine that reads the port.
func (s *Scanner) run(port serial.Port) {
	defer close(s.exited)
	fr := qrscan.NewReader(nil, &s.opts.Frame)
	for {
		if port == nil {
			if port = s.reopen(); port == nil {
				return
			}
		}
		// Reset keeps de-duplication across the replug: the same phone
		// still in front of the scanner is the same scan.
		fr.Reset(&portReader{port: port, name: s.opts.Port})
		s.lost(port, s.pump(fr))
		port = nil
	}
}

// pump hands codes to Scan until the port fails or the Scanner closes.
func (s *Scanner) pump(fr *qrscan.Reader) error {
	for {
		c, err := fr.Next()
		if err != nil && !errors.Is(err, qrscan.ErrOversize) {
			return err
		}
		if err != nil {
			err = fmt.Errorf("serialscanner: %s: %w", s.opts.Port, err)
		}
		select {
		case s.codes <- scan{c, err}:
		case <-s.done:
			return ErrClosed
		}
	}
}

// lost closes a failed port and marks the scanner unplugged at once, before
// any reopen is tried, so State tells the guard straight away.
func (s *Scanner) lost(port serial.Port, err error) {
	_ = port.Close() // the port has already failed; its close error adds nothing
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.port == port {
		s.port = nil
	}
	if !s.closed {
		s.setStatus(Unplugged, fmt.Errorf("serialscanner: %s unplugged: %w", s.opts.Port, err))
	}
}

// reopen tries to open the port with backoff until it succeeds, returning
// nil if the Scanner is closed first.
func (s *Scanner) reopen() serial.Port {
	for attempt := 0; ; attempt++ {
		if !s.wait(serialline.Backoff(s.opts.ReopenMin, s.opts.ReopenMax, attempt, rand.Float64())) {
			return nil
		}
		port, err := s.open()
		if err != nil {
			s.failed(err)
			continue
		}
		if s.connected(port) {
			return port
		}
		_ = port.Close() // closed while opening; nobody wants this port
		return nil
	}
}

func (s *Scanner) open() (serial.Port, error) {
	port, err := serial.Open(s.opts.Port, s.opts.mode())
	if err != nil {
		return nil, fmt.Errorf("serialscanner: open %s: %w", s.opts.Port, err)
	}
	if err := port.SetReadTimeout(readTimeout); err != nil {
		_ = port.Close()
		return nil, fmt.Errorf("serialscanner: %s: set read timeout: %w", s.opts.Port, err)
	}
	return port, nil
}

// connected records an open port, or reports false if Close came first.
func (s *Scanner) connected(port serial.Port) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.port = port
	s.setStatus(Connected, nil)
	s.state.Reconnects++
	return true
}

func (s *Scanner) failed(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.setStatus(Unplugged, err)
	}
}

// wait sleeps for d, reporting false if the Scanner closes first.
func (s *Scanner) wait(d time.Duration) bool {
	return doWait(d, s.done)
}

// doWait is replaced by tests, which record the reopen schedule instead of
// sleeping through it.
var doWait = waitOrDone

// waitOrDone sleeps for d, reporting false if done closes first.
func waitOrDone(d time.Duration, done <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}

// portReader also treats a vanished device node as a failed read. Linux
// normally fails reads on a removed USB device (EIO, or the zero-length read
// go.bug.st/serial reports as PortClosed); one stat per quiet read timeout
// covers a node removed without that, and a by-id link that disappears.
type portReader struct {
	port serial.Port
	name string
}

func (p *portReader) Read(b []byte) (int, error) {
	n, err := p.port.Read(b)
	if n == 0 && err == nil {
		if _, serr := os.Stat(p.name); errors.Is(serr, fs.ErrNotExist) {
			return 0, fmt.Errorf("device vanished: %w", serr)
		}
	}
	return n, err
}
