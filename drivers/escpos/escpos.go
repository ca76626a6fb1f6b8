package escpos

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Opts set what every receipt shares.
type Opts struct {
	// Kanji sends FS & so GB18030 text prints as Chinese; printers
	// without a Chinese font print it as Latin-1 noise, so turn it off
	// there and print ASCII.
	Kanji bool
	// QRModule is the QR code's module (dot) size, 1-16; 6 is about 25 mm
	// for a visit code on an 80 mm printer.
	QRModule int
}

// DefaultOpts suit a Chinese 58/80 mm printer.
var DefaultOpts = Opts{Kanji: true, QRModule: 6}

// Dev is one printer.
type Dev struct {
	w    io.Writer
	opts Opts
}

// New returns a printer writing to w (an open serial port). Nothing is
// sent until Print: a printer has nothing to probe without a receipt.
func New(w io.Writer, opts *Opts) (*Dev, error) {
	if w == nil {
		return nil, errors.New("escpos: no writer")
	}
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	if o.QRModule < 1 || o.QRModule > 16 {
		return nil, fmt.Errorf("escpos: QR module size %d is not 1-16", o.QRModule)
	}
	return &Dev{w: w, opts: o}, nil
}

// String names the printer for logs.
func (d *Dev) String() string { return "escpos" }

// Halt does nothing: the printer keeps no state between receipts.
func (d *Dev) Halt() error { return nil }

// Print sends r in one write, initialised before and cut after, so a
// receipt is never interleaved with another or left half-styled.
func (d *Dev) Print(r *Receipt) error {
	if r.err != nil {
		return r.err
	}
	var b bytes.Buffer
	b.Write(cmdInit)
	if d.opts.Kanji {
		b.Write(cmdKanji)
	}
	b.Write(r.buf.Bytes())
	b.Write(cmdCut)
	if _, err := d.w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("escpos: write %d bytes: %w", b.Len(), err)
	}
	return nil
}

// Commands, Epson ESC/POS Command Reference.
var (
	cmdInit  = []byte{0x1b, 0x40}             // ESC @
	cmdKanji = []byte{0x1c, 0x26}             // FS &
	cmdCut   = []byte{0x1d, 0x56, 0x42, 0x03} // GS V 66 n: feed n dots then partial cut
)

// Align is ESC a's justification.
type Align byte

const (
	Left   Align = 0
	Center Align = 1
	Right  Align = 2
)

// Receipt is a receipt being composed; its methods chain and the first
// error sticks until Print reports it.
type Receipt struct {
	buf  bytes.Buffer
	qr   int
	err  error
	opts Opts
}

// Receipt starts a receipt for d.
func (d *Dev) Receipt() *Receipt { return &Receipt{qr: d.opts.QRModule, opts: d.opts} }

// Align sets the justification of the lines that follow (ESC a n).
func (r *Receipt) Align(a Align) *Receipt {
	if a > Right {
		return r.fail(fmt.Errorf("escpos: justification %d is not 0-2", a))
	}
	r.buf.Write([]byte{0x1b, 0x61, byte(a)})
	return r
}

// Size sets the character magnification, 1-8 each way (GS ! n: width in
// the high nibble, height in the low).
func (r *Receipt) Size(width, height int) *Receipt {
	if width < 1 || width > 8 || height < 1 || height > 8 {
		return r.fail(fmt.Errorf("escpos: size %dx%d is not 1-8 each way", width, height))
	}
	r.buf.Write([]byte{0x1d, 0x21, byte((width-1)<<4 | (height - 1))})
	return r
}

// Line prints s and a line feed; Chinese in GB18030 when Kanji is on.
func (r *Receipt) Line(s string) *Receipt {
	if r.err != nil {
		return r
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return r.fail(fmt.Errorf("escpos: control character %U in %q", c, s))
		}
	}
	b := []byte(s)
	if r.opts.Kanji {
		var err error
		if b, err = simplifiedchinese.GB18030.NewEncoder().Bytes(b); err != nil {
			return r.fail(fmt.Errorf("escpos: %q in GB18030: %w", s, err))
		}
	}
	r.buf.Write(b)
	r.buf.WriteByte('\n')
	return r
}

// maxQR is what GS ( k Function 180 stores for a model 2 code at level M
// (2331 bytes at 8-bit); far more than a visit code needs.
const maxQR = 2331

// QR prints data as a QR code, model 2, error correction M (GS ( k).
func (r *Receipt) QR(data string) *Receipt {
	if len(data) == 0 || len(data) > maxQR {
		return r.fail(fmt.Errorf("escpos: QR data of %d bytes, want 1-%d", len(data), maxQR))
	}
	fn := func(params ...byte) { // GS ( k pL pH cn fn params…, cn = 49 (QR)
		n := len(params) + 1 // cn and the params: pL pH count the bytes after them
		r.buf.Write([]byte{0x1d, 0x28, 0x6b, byte(n), byte(n >> 8), 0x31})
		r.buf.Write(params)
	}
	fn(0x41, 0x32, 0x00)                       // Function 165: model 2
	fn(0x43, byte(r.qr))                       // Function 167: module size
	fn(0x45, 0x31)                             // Function 169: error correction M (49)
	fn(append([]byte{0x50, 0x30}, data...)...) // Function 180: store the data
	fn(0x51, 0x30)                             // Function 181: print it
	r.buf.WriteByte('\n')
	return r
}

func (r *Receipt) fail(err error) *Receipt {
	if r.err == nil {
		r.err = err
	}
	return r
}

// Bytes is the receipt so far, without initialise and cut (for tests).
func (r *Receipt) Bytes() []byte { return r.buf.Bytes() }
