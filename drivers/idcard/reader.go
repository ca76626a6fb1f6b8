package idcard

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"periph.io/x/conn/v3"
)

// Errors from a Reader itself, beside the module's (frame.go).
var (
	ErrClosed    = errors.New("idcard: reader closed")
	ErrTimeout   = errors.New("idcard: the module did not answer in time (unplugged, powered off, or at another baud rate?)")
	ErrUnplugged = errors.New("idcard: reader unplugged")
	// ErrBadCard is a card read whole whose text no genuine card holds (a
	// wrong check digit, an impossible date): forged, or damaged.
	ErrBadCard = errors.New("idcard: the card's text is not what a genuine card holds")
	// errUnexpected is an answer whose shape does not fit the command: a
	// late answer to an earlier command that timed out, most likely.
	errUnexpected = errors.New("idcard: an answer that does not fit the command (a late answer to an earlier one?)")
)

// Reader talks to one ID card reader. Its methods may be called from
// several goroutines; commands go to the module one at a time.
type Reader struct {
	opts Options
	port string // the device, "" for a Reader made by New
	done chan struct{}
	once sync.Once

	// cmdMu is held for a whole command exchange and taken before mu.
	cmdMu sync.Mutex

	mu     sync.Mutex // guards the fields below
	link   *link
	closed bool
	state  State
}

// State says whether the reader is there, for the console and the unit's
// health report: a guard told the reader is gone types the ID by hand.
type State struct {
	Port      string
	Connected bool
	// Err is why the reader is, or last was, unplugged; kept after it
	// comes back, so the console can say what happened.
	Err error
	// Reconnects counts reopens that succeeded after the first open.
	Reconnects int
}

var _ conn.Resource = &Reader{}

// New talks to a module over rw: the other end of a pipe to the
// simulator in tests, or any stream the caller opened. When rw fails the
// Reader is unplugged for good: Run returns.
func New(rw io.ReadWriter, opts Options) *Reader {
	r := &Reader{opts: opts.withDefaults(), done: make(chan struct{})}
	r.attach(rw)
	return r
}

func (r *Reader) String() string {
	if r.port == "" {
		return "idcard"
	}
	return "idcard(" + r.port + ")"
}

// State reports whether the reader is connected, and the last error.
func (r *Reader) State() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// Close stops the Reader and closes its port (or rw, when it is an
// io.Closer). Run returns ErrClosed.
func (r *Reader) Close() error {
	var err error
	r.once.Do(func() {
		r.mu.Lock()
		r.closed = true
		l := r.link
		r.link = nil
		r.state.Connected = false
		r.mu.Unlock()
		close(r.done)
		if l == nil {
			return
		}
		if c, ok := l.rw.(io.Closer); ok {
			if cerr := c.Close(); cerr != nil {
				err = fmt.Errorf("%v: close: %w", r, cerr)
			}
		}
	})
	return err
}

// Halt closes the Reader: a card reader has nothing to stop short of that.
func (r *Reader) Halt() error { return r.Close() }

// ReadOnce finds, selects and reads the card on the reader, once. It
// returns an error wrapping ErrNoCard when there is none.
func (r *Reader) ReadOnce(ctx context.Context) (Card, error) {
	if _, err := r.exchange(ctx, cmdFindCard); err != nil {
		return Card{}, err
	}
	if _, err := r.exchange(ctx, cmdSelectCard); err != nil {
		return Card{}, err
	}
	resp, err := r.exchange(ctx, cmdReadBase)
	if err != nil {
		return Card{}, err
	}
	text, err := baseText(resp.Data)
	if err != nil {
		return Card{}, err
	}
	c, err := ParseText(text)
	if err != nil {
		return Card{}, fmt.Errorf("%w: %w", ErrBadCard, err)
	}
	return c, nil
}

// baseText is the text block of read base information's data: the text
// and photo lengths (big-endian, 256 and 1024 on every card), the text,
// then the photo, which is dropped unread.
func baseText(d []byte) ([]byte, error) {
	if len(d) < 4 {
		return nil, fmt.Errorf("idcard: base information of %d bytes has no room for its lengths", len(d))
	}
	tl, pl := int(d[0])<<8|int(d[1]), int(d[2])<<8|int(d[3])
	if tl != TextLen {
		return nil, fmt.Errorf("idcard: base information text is %d bytes, want %d", tl, TextLen)
	}
	if 4+tl+pl > len(d) {
		return nil, fmt.Errorf("idcard: base information says %d bytes of text and %d of photo, but holds %d", tl, pl, len(d)-4)
	}
	return d[4 : 4+tl], nil
}

// SAMID reads the module's SAM number (command 12 FF), which names the
// reader in an installer's report; the 16 bytes are returned as hex.
func (r *Reader) SAMID(ctx context.Context) (string, error) {
	resp, err := r.exchange(ctx, cmdSAMID)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(resp.Data), nil
}

// Run polls the reader every PollInterval and calls found once for each
// card placed on it: not again until a find says the card was lifted, or
// a card with a different number is read. A failed read (a card pulled
// away mid-read) is tried again at the next poll. Run returns when ctx
// ends, after Close, or when the port fails for good: a Reader made by
// Open reopens its port by itself, one made by New cannot. A card read
// whole but refused (ErrBadCard) is passed to Options.Refused, once per
// placement like found. found and Refused run on Run's goroutine and
// should return quickly.
func (r *Reader) Run(ctx context.Context, found func(Card)) error {
	// last is the number of the card on the reader, "" when none, or
	// refused for a card whose text was refused.
	const refused = "\x00refused"
	var last string
	wait := time.NewTimer(0)
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.done:
			return ErrClosed
		case <-wait.C:
		}
		c, err := r.ReadOnce(ctx)
		switch {
		case err == nil:
			if c.Number != last {
				found(c)
			}
			last = c.Number
		case errors.Is(err, ErrNoCard):
			last = ""
		case errors.Is(err, ErrBadCard):
			if last != refused && r.opts.Refused != nil {
				r.opts.Refused(err)
			}
			last = refused
		case errors.Is(err, ErrUnplugged):
			if rerr := r.reopen(ctx); rerr != nil {
				return errors.Join(err, rerr)
			}
		case errors.Is(err, ErrClosed), ctx.Err() != nil:
			return err
		}
		wait.Reset(r.opts.PollInterval)
	}
}

// exchange sends one command and waits for its answer.
func (r *Reader) exchange(ctx context.Context, cmd [2]byte) (Response, error) {
	r.cmdMu.Lock()
	defer r.cmdMu.Unlock()
	l, err := r.current()
	if err != nil {
		return Response{}, err
	}
	l.drain()
	if _, err := l.rw.Write(EncodeCommand(cmd[0], cmd[1], nil)); err != nil {
		return Response{}, r.lost(l, fmt.Errorf("write: %w", err))
	}
	t := time.NewTimer(r.opts.CommandTimeout)
	defer t.Stop()
	select {
	case res := <-l.frames:
		if res.err != nil {
			return Response{}, res.err
		}
		return res.resp, fits(cmd, res.resp)
	case <-l.dead:
		return Response{}, r.lost(l, l.err)
	case <-t.C:
		return Response{}, fmt.Errorf("%w: command %02X %02X after %v", ErrTimeout, cmd[0], cmd[1], r.opts.CommandTimeout)
	case <-ctx.Done():
		return Response{}, ctx.Err()
	case <-r.done:
		return Response{}, ErrClosed
	}
}

// fits reports the answer's failure status, or errUnexpected when a
// success does not have the shape the command's success has: find card
// answers 9F, select and read 90, read with the text and photo. Answers
// carry no command, so this is how a late answer is told apart.
func fits(cmd [2]byte, resp Response) error {
	if err := resp.Err(); err != nil {
		return err
	}
	ok := false
	switch cmd {
	case cmdFindCard:
		ok = resp.SW[2] == swFindSuccess && len(resp.Data) <= 16
	case cmdSelectCard:
		ok = resp.SW[2] == swSuccess && len(resp.Data) <= 16
	case cmdReadBase:
		ok = resp.SW[2] == swSuccess && len(resp.Data) >= 4+TextLen
	case cmdSAMID:
		ok = resp.SW[2] == swSuccess && len(resp.Data) <= 32
	}
	if !ok {
		return fmt.Errorf("%w: command %02X %02X, status %02X with %d bytes", errUnexpected, cmd[0], cmd[1], resp.SW[2], len(resp.Data))
	}
	return nil
}

// current is the open link, or why there is none.
func (r *Reader) current() (*link, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if r.link == nil {
		return nil, fmt.Errorf("%w: %v", ErrUnplugged, r.state.Err)
	}
	return r.link, nil
}

// attach starts reading a newly opened stream.
func (r *Reader) attach(rw io.ReadWriter) {
	l := &link{rw: rw, frames: make(chan result, 4), dead: make(chan struct{})}
	go l.read()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.link = l
	r.state.Connected = true
}

// lost records that l failed with err and returns the error a command
// reports: ErrUnplugged wrapping the cause.
func (r *Reader) lost(l *link, err error) error {
	err = fmt.Errorf("%w: %v: %w", ErrUnplugged, r, err)
	r.mu.Lock()
	closed := r.closed
	if r.link == l {
		r.link = nil
		r.state.Connected = false
		r.state.Err = err
	}
	r.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if c, ok := l.rw.(io.Closer); ok {
		_ = c.Close() // it has already failed; closing frees the port and the reading goroutine
	}
	return err
}

// link is one open stream to the module and the goroutine reading it.
type link struct {
	rw     io.ReadWriter
	frames chan result   // answers, and frames that failed their checks
	dead   chan struct{} // closed when the stream fails
	err    error         // why; written before dead is closed
}

type result struct {
	resp Response
	err  error
}

// read decodes answers until the stream fails. A frame with a bad
// checksum or length is passed on as an error, so the command waiting for
// it fails at once rather than timing out.
func (l *link) read() {
	defer close(l.dead)
	d := NewDecoder(l.rw)
	for {
		resp, err := d.ReadResponse()
		if err != nil && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrLength) && !errors.Is(err, ErrNoPreamble) {
			l.err = err
			return
		}
		select {
		case l.frames <- result{resp, err}:
		default: // nobody asked for it and the queue is full: a stray answer
		}
	}
}

// drain drops answers nobody waited for, so the next one read is the
// answer to the command about to be sent.
func (l *link) drain() {
	for {
		select {
		case <-l.frames:
		default:
			return
		}
	}
}
