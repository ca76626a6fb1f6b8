package idcard

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
	"unicode/utf16"
)

// Fault is a misbehaviour the simulator shows once, on its next answer to
// which it applies.
type Fault int

const (
	// FaultChecksum spoils the checksum of the next answer.
	FaultChecksum Fault = iota + 1
	// FaultReadFailed answers the next read base information 00 00 41.
	FaultReadFailed
	// FaultLiftMidRead answers the next read base information 00 00 41 and
	// lifts the card: a person who pulled the card away too soon.
	FaultLiftMidRead
	// FaultGarbage sends noise, including a false start of a preamble,
	// before the next answer.
	FaultGarbage
	// FaultSilent leaves the next command unanswered.
	FaultSilent
)

// Sim answers the reader protocol like a SAM module with a card placed on
// it or not, for tests and the demo.
type Sim struct {
	mu     sync.Mutex // guards the fields below
	card   *Card
	faults []Fault
	delay  time.Duration
	reads  int
	misses int // finds answered "no card"
	served int // commands answered
}

// NewSim is a simulated module with no card on it.
func NewSim() *Sim { return &Sim{} }

// Place puts c on the reader, replacing any card there.
func (s *Sim) Place(c Card) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.card = &c
}

// Lift takes the card off the reader.
func (s *Sim) Lift() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.card = nil
}

// Inject queues a fault for the next answer it applies to.
func (s *Sim) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// SetDelay makes every answer wait d, like a slow or busy module.
func (s *Sim) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Reads counts the base information reads answered with a card.
func (s *Sim) Reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// Serve answers commands read from rw until rw fails or ctx ends; when ctx
// ends it closes rw if rw is an io.Closer, to stop a blocked read.
func (s *Sim) Serve(ctx context.Context, rw io.ReadWriter) error {
	stop := context.AfterFunc(ctx, func() {
		if c, ok := rw.(io.Closer); ok {
			_ = c.Close()
		}
	})
	defer stop()
	d := NewDecoder(rw)
	for {
		cmd, err := d.ReadCommand()
		var out []byte
		switch {
		case errors.Is(err, ErrChecksum):
			out = EncodeResponse([3]byte{0, 0, swBadChecksum}, nil)
		case errors.Is(err, ErrLength), errors.Is(err, ErrNoPreamble):
			out = EncodeResponse([3]byte{0, 0, swBadLength}, nil)
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		default:
			out = s.answer(cmd)
		}
		if out == nil {
			continue
		}
		if err := s.send(ctx, rw, out); err != nil {
			return err
		}
	}
}

// send waits the set delay and writes one answer.
func (s *Sim) send(ctx context.Context, w io.Writer, out []byte) error {
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	_, err := w.Write(out)
	return err
}

// answer is the frame the module sends for cmd, faults applied, or nil for
// no answer.
func (s *Sim) answer(cmd Command) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.served++
	f := s.takeFault(cmd)
	if f == FaultSilent {
		return nil
	}
	sw, data := s.reply(cmd, f)
	out := EncodeResponse(sw, data)
	switch f {
	case FaultChecksum:
		out[len(out)-1] ^= 0xFF
	case FaultGarbage:
		// A false start (AA AA AA 96 then no 69) and a stray byte.
		out = append([]byte{0x00, 0xAA, 0xAA, 0xAA, 0x96, 0x13, 0xFF}, out...)
	}
	return out
}

// takeFault removes and returns the first queued fault that applies to
// cmd: the read faults wait for a read base information.
func (s *Sim) takeFault(cmd Command) Fault {
	if len(s.faults) == 0 {
		return 0
	}
	f := s.faults[0]
	if (f == FaultReadFailed || f == FaultLiftMidRead) && [2]byte{cmd.Cmd, cmd.Para} != cmdReadBase {
		return 0
	}
	s.faults = s.faults[1:]
	return f
}

// reply is the status and data the module answers cmd with.
func (s *Sim) reply(cmd Command, f Fault) ([3]byte, []byte) {
	switch [2]byte{cmd.Cmd, cmd.Para} {
	case cmdFindCard:
		if s.card == nil {
			s.misses++
			return [3]byte{0, 0, swNoCard}, nil
		}
		return [3]byte{0, 0, swFindSuccess}, []byte{0, 0, 0, 0}
	case cmdSelectCard:
		if s.card == nil {
			return [3]byte{0, 0, swSelectFailed}, nil
		}
		return [3]byte{0, 0, swSuccess}, make([]byte, 8)
	case cmdReadBase:
		if f == FaultLiftMidRead {
			s.card = nil
		}
		if s.card == nil || f == FaultReadFailed || f == FaultLiftMidRead {
			return [3]byte{0, 0, swReadFailed}, nil
		}
		s.reads++
		return [3]byte{0, 0, swSuccess}, baseInfo(*s.card)
	case cmdSAMID:
		// A made-up SAM number: 16 bytes, as the modules answer.
		return [3]byte{0, 0, swSuccess}, []byte("SIM-SAM-00000001")
	}
	return [3]byte{0, 0, swBadCommand}, nil
}

// photoLen is the size of the card's photo (a compressed WLT image).
const photoLen = 1024

// baseInfo is read base information's data: the lengths, the text and a
// blank photo.
func baseInfo(c Card) []byte {
	d := make([]byte, 4, 4+TextLen+photoLen)
	d[0], d[1], d[2], d[3] = TextLen>>8, TextLen&0xFF, photoLen>>8, photoLen&0xFF
	d = append(d, EncodeText(c)...)
	return append(d, make([]byte, photoLen)...)
}

// EncodeText is c as a card's 256-byte text block: each field in UCS-2
// little-endian, space-padded to its width (cut short if too long), the
// sex and ethnicity as their codes ("0" and "" when the name is unknown).
func EncodeText(c Card) []byte {
	sex := codeOf(sexes, c.Sex)
	if sex == "" {
		sex = "0"
	}
	values := [len(textFields)]string{
		fName: c.Name, fSex: sex, fEthnicity: codeOf(ethnicities, c.Ethnicity), fBirth: c.Birth,
		fAddress: c.Address, fNumber: c.Number, fAuthority: c.Authority,
		fValidFrom: c.ValidFrom, fValidUntil: c.ValidUntil,
	}
	b := make([]byte, 0, TextLen)
	for i, f := range textFields {
		u := utf16.Encode([]rune(values[i]))
		for j := range f.width / 2 {
			v := uint16(' ')
			if j < len(u) {
				v = u[j]
			}
			b = append(b, byte(v), byte(v>>8))
		}
	}
	return b
}
