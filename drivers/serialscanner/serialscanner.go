package serialscanner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.bug.st/serial"

	"github.com/kakou/kakou/drivers/qrscan"
)

// Status says whether the scanner is there.
type Status string

const (
	// Connected means the port is open and being read.
	Connected Status = "connected"
	// Unplugged means the port is gone or failed and is being reopened.
	Unplugged Status = "unplugged"
)

// State is what the guard console and the unit's health report show: a
// guard must be told plainly that the scanner is gone so they check codes by
// eye (docs/product.md "Who uses it": when a device fails).
type State struct {
	Port   string
	Status Status
	// Since is when Status last changed.
	Since time.Time
	// Err is why the scanner is, or last was, unplugged: the read error
	// that dropped it, then each failed reopen. It is kept after the
	// scanner comes back, so the console can say what happened.
	Err error
	// Reconnects counts the reopens that succeeded after Open's first try:
	// each time the scanner was plugged (back) in.
	Reconnects int
}

// ErrClosed is returned by Scan after Close.
var ErrClosed = errors.New("serialscanner: closed")

const (
	// readTimeout makes a read return at least this often when the scanner
	// is silent, so IdleFlush works and a device whose node vanished
	// without a read error is noticed well within the 2 s target.
	readTimeout = 200 * time.Millisecond
	// queueLen codes wait for Scan before reading pauses. While it is
	// paused an unplug goes unnoticed, so the queue lets a busy pipeline
	// fall a few people behind without that happening.
	queueLen = 16
)

// Scanner reads codes from a serial QR scanner and keeps reading across
// unplugging and replugging.
type Scanner struct {
	opts   Opts
	codes  chan scan
	done   chan struct{} // closed by Close
	exited chan struct{} // closed when the reading goroutine returns
	once   sync.Once

	mu     sync.Mutex // guards the fields below
	port   serial.Port
	closed bool
	state  State
}

type scan struct {
	code qrscan.Code
	err  error
}

// Open validates opts and starts reading Port. A scanner that is absent or
// fails to open is not an error: the unit must boot and screen by hand
// without one, so Open returns a Scanner whose State says Unplugged, with
// the reason, and keeps trying in the background.
func Open(opts *Opts) (*Scanner, error) {
	if opts == nil {
		opts = &DefaultOpts
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s := &Scanner{
		opts:   opts.withDefaults(),
		codes:  make(chan scan, queueLen),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	s.state = State{Port: s.opts.Port, Status: Unplugged, Since: time.Now()}
	port, err := s.open()
	if err != nil {
		s.state.Err = err
	} else {
		s.port = port
		s.state.Status = Connected
	}
	go s.run(port)
	return s, nil
}

func (s *Scanner) String() string { return "serialscanner(" + s.opts.Port + ")" }

// Scan blocks until the next code, ctx is done, or the Scanner is closed.
// While the scanner is unplugged it just waits; ask State why. An error
// wrapping qrscan.ErrOversize reports a dropped code: call Scan again.
func (s *Scanner) Scan(ctx context.Context) (qrscan.Code, error) {
	select {
	case sc := <-s.codes:
		return sc.code, sc.err
	case <-ctx.Done():
		return qrscan.Code{}, ctx.Err()
	case <-s.done:
		return qrscan.Code{}, ErrClosed
	}
}

// State reports whether the scanner is connected, and the last error.
func (s *Scanner) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Healthy reports whether the scanner is connected.
func (s *Scanner) Healthy() bool { return s.State().Status == Connected }

// Close stops reading and closes the port. Codes not yet taken by Scan are
// dropped.
func (s *Scanner) Close() error {
	var err error
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		port := s.port
		s.port = nil
		s.setStatus(Unplugged, ErrClosed)
		s.mu.Unlock()

		close(s.done)
		if port != nil {
			if cerr := port.Close(); cerr != nil {
				err = fmt.Errorf("serialscanner: close %s: %w", s.opts.Port, cerr)
			}
		}
		<-s.exited
	})
	return err
}

// setStatus records a change; s.mu must be held.
func (s *Scanner) setStatus(st Status, err error) {
	if s.state.Status != st {
		s.state.Since = time.Now()
	}
	s.state.Status = st
	if err != nil {
		s.state.Err = err
	}
}
