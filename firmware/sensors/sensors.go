// Package sensors adapts the drivers in drivers/ to the interfaces the
// screening pipeline declares, so drivers stay free of firmware types and
// the pipeline stays free of driver details.
package sensors

import (
	"context"

	"github.com/kakou/kakou/drivers/serialscanner"
	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// SimThermometer reads the simulated crowd's foreheads and applies the
// installation's forehead-to-body offset, as a real sensor's driver does.
type SimThermometer struct {
	Crowd  *sim.Crowd
	Offset physic.Temperature
}

// Measure implements screening.Thermometer.
func (s SimThermometer) Measure(ctx context.Context) (policy.Reading, error) {
	raw, err := s.Crowd.Measure(ctx)
	if err != nil {
		return policy.Reading{}, err
	}
	return policy.Reading{Raw: raw, Body: raw + s.Offset}, nil
}

// SerialScanner is a QR scanner on a serial port or USB-CDC.
type SerialScanner struct{ Scanner *serialscanner.Scanner }

// Scan implements screening.Scanner. Codes with control characters or
// invalid UTF-8 are passed on as they are: the credential decoder records
// them as unreadable rather than dropping a person's scan.
func (s SerialScanner) Scan(ctx context.Context) ([]byte, error) {
	c, err := s.Scanner.Scan(ctx)
	if err != nil {
		return nil, err
	}
	return c.Data, nil
}

// Health reports the scanner's connection: unplugged within the port's read
// timeout, connected again once it has been reopened.
func (s SerialScanner) Health() wire.Device {
	st := s.Scanner.State()
	if st.Status == serialscanner.Connected {
		return wire.Device{Name: "scanner", OK: true}
	}
	d := wire.Device{Name: "scanner", Detail: "QR scanner " + string(st.Status) + " at " + st.Port + "; check its cable"}
	if st.Err != nil {
		d.Detail += ": " + st.Err.Error()
	}
	return d
}
