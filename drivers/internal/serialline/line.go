package serialline

import (
	"fmt"

	"go.bug.st/serial"
)

// Line is a serial line's framing after defaults.
type Line struct {
	Baud, DataBits int
	Parity         string // none, even or odd
	StopBits       int
}

var parities = map[string]serial.Parity{"none": serial.NoParity, "even": serial.EvenParity, "odd": serial.OddParity}

// Problems are what is wrong with the framing, each prefixed with the
// driver's name ("idcard: data bits 9: want 7 or 8"). The baud rate is the
// driver's to judge: each device offers its own.
func (l Line) Problems(driver string) []error {
	var errs []error
	if l.DataBits != 7 && l.DataBits != 8 {
		errs = append(errs, fmt.Errorf("%s: data bits %d: want 7 or 8", driver, l.DataBits))
	}
	if _, ok := parities[l.Parity]; !ok {
		errs = append(errs, fmt.Errorf("%s: parity %q: want none, even or odd", driver, l.Parity))
	}
	if l.StopBits != 1 && l.StopBits != 2 {
		errs = append(errs, fmt.Errorf("%s: stop bits %d: want 1 or 2", driver, l.StopBits))
	}
	return errs
}

// Mode is the framing as go.bug.st/serial opens a port with it.
func (l Line) Mode() *serial.Mode {
	stop := serial.OneStopBit
	if l.StopBits == 2 {
		stop = serial.TwoStopBits
	}
	return &serial.Mode{BaudRate: l.Baud, DataBits: l.DataBits, Parity: parities[l.Parity], StopBits: stop}
}
