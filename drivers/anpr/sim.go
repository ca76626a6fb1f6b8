package anpr

import (
	"io"
	"sync"
)

// Sim is a simulated camera: the plates sent to it come out of its
// reading end framed as a camera frames them, with a burst of power-up
// noise first, as a UART reads when a camera is switched on. A unit
// without a camera, the demo and tests read it through NewReader.
type Sim struct {
	pr *io.PipeReader
	pw *io.PipeWriter

	mu    sync.Mutex
	woken bool // the power-up noise went out before the first plate
}

// NewSim returns a simulated camera.
func NewSim() *Sim {
	pr, pw := io.Pipe()
	return &Sim{pr: pr, pw: pw}
}

// Read is the camera's serial output.
func (s *Sim) Read(p []byte) (int, error) { return s.pr.Read(p) }

// Send has the camera report plate; it blocks until the output is read.
func (s *Sim) Send(plate, colour string, confidence int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []byte
	if !s.woken {
		out, s.woken = []byte("\x00\xff\xffCAMERA READY v1.2\r\n"), true
	}
	_, err := s.pw.Write(append(out, Frame(plate, colour, confidence)...))
	return err
}

// Close ends the output: the reader sees io.EOF.
func (s *Sim) Close() error { return s.pw.Close() }
