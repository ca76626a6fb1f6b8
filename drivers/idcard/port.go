package idcard

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"time"

	"go.bug.st/serial"

	"github.com/kakou/kakou/drivers/internal/serialline"
)

// readTimeout makes a quiet port's read return this often, so a device
// node that vanished without a read error is noticed.
const readTimeout = 200 * time.Millisecond

// Open validates opts and opens the reader on port (prefer a stable
// /dev/serial/by-id/… link). A reader that is absent or fails to open is
// not an error: the unit must boot and register people by hand without
// one, so Open returns a Reader whose State says why it is not connected,
// and Run keeps trying to open it. Only bad options are an error.
func Open(port string, opts Options) (*Reader, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if port == "" {
		return nil, errors.New("idcard: port: empty (want a device such as /dev/ttyUSB0 or /dev/serial/by-id/…)")
	}
	r := &Reader{opts: opts.withDefaults(), port: port, done: make(chan struct{})}
	r.state.Port = port
	p, err := r.open()
	if err != nil {
		r.state.Err = err
		return r, nil
	}
	r.attach(&portRW{port: p, name: port})
	return r, nil
}

func (r *Reader) open() (serial.Port, error) {
	p, err := serial.Open(r.port, r.opts.mode())
	if err != nil {
		return nil, fmt.Errorf("idcard: open %s: %w", r.port, err)
	}
	if err := p.SetReadTimeout(readTimeout); err != nil {
		_ = p.Close()
		return nil, fmt.Errorf("idcard: %s: set read timeout: %w", r.port, err)
	}
	return p, nil
}

// reopen opens the port again with jittered exponential backoff, so a
// replugged hub's devices are not all retried at once. It returns nil once
// the port is open, or why it gave up: ctx ended, Close was called, or the
// Reader was made by New and has no port to reopen.
func (r *Reader) reopen(ctx context.Context) error {
	if r.port == "" {
		return errors.New("idcard: the stream given to New failed; nothing to reopen")
	}
	for attempt := 0; ; attempt++ {
		t := time.NewTimer(serialline.Backoff(r.opts.ReopenMin, r.opts.ReopenMax, attempt, rand.Float64()))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-r.done:
			t.Stop()
			return ErrClosed
		case <-t.C:
		}
		p, err := r.open()
		if err != nil {
			r.mu.Lock()
			r.state.Err = err
			r.mu.Unlock()
			continue
		}
		r.mu.Lock()
		closed := r.closed
		r.mu.Unlock()
		if closed {
			_ = p.Close() // closed while opening; nobody wants this port
			return ErrClosed
		}
		r.attach(&portRW{port: p, name: r.port})
		r.mu.Lock()
		r.state.Reconnects++
		r.mu.Unlock()
		return nil
	}
}

// portRW reads a serial port as a stream that blocks until data comes:
// go.bug.st/serial returns (0, nil) at each read timeout, which a
// bufio.Reader would give up on. Each quiet timeout also checks that the
// device node still exists, since a removed USB adapter does not always
// fail the read.
type portRW struct {
	port serial.Port
	name string
}

func (p *portRW) Read(b []byte) (int, error) {
	for {
		n, err := p.port.Read(b)
		if n > 0 || err != nil {
			return n, err
		}
		if _, serr := os.Stat(p.name); errors.Is(serr, fs.ErrNotExist) {
			return 0, fmt.Errorf("device vanished: %w", serr)
		}
	}
}

func (p *portRW) Write(b []byte) (int, error) { return p.port.Write(b) }

func (p *portRW) Close() error { return p.port.Close() }
