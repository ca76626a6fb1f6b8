package idcard

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// The frame format of the SAM module's serial interface (README.md "The
// frame"): preamble AA AA AA 96 69, a big-endian length of everything
// after it (checksum included), then the command and parameter bytes (to
// the module) or three status bytes (from it), the data, and an XOR of
// every byte after the preamble.
var preamble = [5]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

// Commands the reader sends (README.md "Commands").
var (
	cmdFindCard   = [2]byte{0x20, 0x01}
	cmdSelectCard = [2]byte{0x20, 0x02}
	cmdReadBase   = [2]byte{0x30, 0x01}
	cmdSAMID      = [2]byte{0x12, 0xFF}
)

const (
	// minLength is the shortest valid length field: a command's two bytes
	// or a response's three status bytes, plus the checksum; the shorter
	// command bound is checked here and the response's in ReadResponse.
	minLength = 3
	// MaxLength is the longest length field accepted. The longest answer
	// the public descriptions list is base information with fingerprints,
	// 2321 bytes in all (length 2314); anything past this is noise or a
	// forged frame and is refused before a buffer is allocated for it.
	MaxLength = 2560
	// maxSkip bounds the noise skipped while looking for a preamble, so a
	// line babbling without one fails instead of being read for ever.
	maxSkip = 64 << 10
)

// Status words in SW3, the module's own status (README.md "Status words").
const (
	swSuccess      = 0x90
	swFindSuccess  = 0x9F
	swNoCard       = 0x80
	swSelectFailed = 0x81
	swReadFailed   = 0x41
	swBadChecksum  = 0x10
	swBadLength    = 0x11
	swBadCommand   = 0x21
)

// Errors a command can end with. A *StatusError from the module matches
// one of the first three with errors.Is when its status says so.
var (
	ErrNoCard       = errors.New("idcard: no card on the reader")
	ErrSelectFailed = errors.New("idcard: the card did not answer select (moved while being read? place it flat and still)")
	ErrReadFailed   = errors.New("idcard: reading the card failed (lifted mid-read? place it again)")
	ErrChecksum     = errors.New("idcard: frame checksum mismatch (line noise, or a baud rate that differs from the module's)")
	ErrLength       = errors.New("idcard: frame length out of bounds")
	ErrNoPreamble   = errors.New("idcard: no frame preamble in the serial stream (is this an ID card reader, at the right baud rate?)")
)

// StatusError is a response whose status words are not a success.
type StatusError struct {
	SW1, SW2, SW3 byte
}

func (e *StatusError) Error() string {
	what := "unknown status"
	switch e.SW3 {
	case swNoCard:
		what = "no card"
	case swSelectFailed:
		what = "select failed"
	case swReadFailed:
		what = "read failed"
	case swBadChecksum:
		what = "the module saw a bad checksum in our command"
	case swBadLength:
		what = "the module saw a bad length in our command"
	case swBadCommand:
		what = "the module refused the command"
	case 0x31, 0x32, 0x33:
		what = "card or module authentication failed (not a genuine card, or a faulty SAM)"
	case 0x60, 0x66:
		what = "the module failed its self-test or is not authorised (replace the reader)"
	}
	return fmt.Sprintf("idcard: module status %02X %02X %02X: %s", e.SW1, e.SW2, e.SW3, what)
}

// Unwrap lets errors.Is(err, ErrNoCard) and the like see what the status
// means without the caller knowing the codes.
func (e *StatusError) Unwrap() error {
	switch e.SW3 {
	case swNoCard:
		return ErrNoCard
	case swSelectFailed:
		return ErrSelectFailed
	case swReadFailed:
		return ErrReadFailed
	}
	return nil
}

// Response is one frame from the module: its status words and data.
type Response struct {
	SW   [3]byte
	Data []byte
}

// Err is nil for a success status (90, or 9F for find card) and a
// *StatusError otherwise.
func (r Response) Err() error {
	if r.SW[0] == 0 && r.SW[1] == 0 && (r.SW[2] == swSuccess || r.SW[2] == swFindSuccess) {
		return nil
	}
	return &StatusError{r.SW[0], r.SW[1], r.SW[2]}
}

// Command is one frame to the module.
type Command struct {
	Cmd, Para byte
	Data      []byte
}

// EncodeCommand is the frame that sends cmd and para with data.
func EncodeCommand(cmd, para byte, data []byte) []byte {
	return encode([]byte{cmd, para}, data)
}

// EncodeResponse is the frame the module answers with; the simulator and
// the tests use it.
func EncodeResponse(sw [3]byte, data []byte) []byte {
	return encode(sw[:], data)
}

func encode(head, data []byte) []byte {
	n := len(head) + len(data) + 1
	f := make([]byte, 0, len(preamble)+2+n)
	f = append(f, preamble[:]...)
	f = append(f, byte(n>>8), byte(n))
	f = append(f, head...)
	f = append(f, data...)
	return append(f, xor(f[len(preamble):]))
}

func xor(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// Decoder reads frames from a byte stream, skipping noise before each
// preamble. It is not safe for concurrent use.
type Decoder struct {
	r *bufio.Reader
}

// NewDecoder reads frames from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: bufio.NewReaderSize(r, 512)}
}

// ReadResponse reads the next response frame. A frame with a bad length or
// checksum is consumed and reported (wrapping ErrLength or ErrChecksum), so
// the next call starts after it; an error from the stream ends decoding.
// A response with a failure status is returned with a nil error: ask
// Response.Err.
func (d *Decoder) ReadResponse() (Response, error) {
	body, err := d.readBody()
	if err != nil {
		return Response{}, err
	}
	if len(body) < 3 {
		return Response{}, fmt.Errorf("%w: a response of %d bytes has no room for its 3 status bytes", ErrLength, len(body))
	}
	return Response{SW: [3]byte(body[:3]), Data: body[3:]}, nil
}

// ReadCommand reads the next command frame; the simulator uses it.
func (d *Decoder) ReadCommand() (Command, error) {
	body, err := d.readBody()
	if err != nil {
		return Command{}, err
	}
	return Command{Cmd: body[0], Para: body[1], Data: body[2:]}, nil
}

// readBody finds a preamble and returns the bytes between the length and
// the checksum, after checking both.
func (d *Decoder) readBody() ([]byte, error) {
	if err := d.sync(); err != nil {
		return nil, err
	}
	var lb [2]byte
	if _, err := io.ReadFull(d.r, lb[:]); err != nil {
		return nil, unexpectedEOF(err)
	}
	n := int(lb[0])<<8 | int(lb[1])
	if n < minLength || n > MaxLength {
		// The bytes after a bogus length are not skipped: they may hold
		// the real next frame, which sync will find.
		return nil, fmt.Errorf("%w: %d (want %d to %d)", ErrLength, n, minLength, MaxLength)
	}
	f := make([]byte, 2+n)
	copy(f, lb[:])
	if _, err := io.ReadFull(d.r, f[2:]); err != nil {
		return nil, unexpectedEOF(err)
	}
	if got, want := f[len(f)-1], xor(f[:len(f)-1]); got != want {
		return nil, fmt.Errorf("%w (got 0x%02X, want 0x%02X)", ErrChecksum, got, want)
	}
	return f[2 : len(f)-1], nil
}

// sync consumes bytes up to and including the next preamble. The state is
// how many preamble bytes the latest bytes match; a run of more than three
// AA still ends in a valid start.
func (d *Decoder) sync() error {
	state := 0
	for skipped := 0; state < len(preamble); skipped++ {
		if skipped > maxSkip+len(preamble) {
			return fmt.Errorf("%w: skipped %d bytes", ErrNoPreamble, maxSkip)
		}
		b, err := d.r.ReadByte()
		if err != nil {
			if state > 0 {
				return unexpectedEOF(err)
			}
			return err
		}
		switch {
		case b == preamble[state]:
			state++
		case b == 0xAA && state == 3:
			// AA AA AA AA: the last three still match.
		case b == 0xAA:
			state = 1
		default:
			state = 0
		}
	}
	return nil
}

// unexpectedEOF turns the end of the stream inside a frame into
// io.ErrUnexpectedEOF, so it is not mistaken for a clean end.
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
