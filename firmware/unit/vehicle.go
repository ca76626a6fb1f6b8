package unit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kakou/kakou/drivers/anpr"
	"github.com/kakou/kakou/firmware/console"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
	"go.bug.st/serial"
)

// A vehicle lane (lane_kind = "vehicle") screens vehicles: the plate from
// the guard's console, a camera on a serial port ([anpr] driver
// "serial", drivers/anpr's line protocol) or a camera on the LAN posting
// to the console ([anpr] token), then the people in it (screening's
// vehicle.go).

// Lane kinds.
const (
	LanePeople  = "people"
	LaneVehicle = "vehicle"
)

// ANPRConfig is the number-plate camera of a vehicle lane.
type ANPRConfig struct {
	// Driver is "off" (the guard types plates) or "serial".
	Driver string `toml:"driver"`
	Port   string `toml:"port"` // /dev/ttyUSB1
	Baud   int    `toml:"baud"`
	// MinConfidence drops the camera's doubtful reads (0-100).
	MinConfidence int `toml:"min_confidence"`
	// DedupWindow: the same plate again within it is the same car.
	DedupWindow Duration `toml:"dedup_window"`
	// Token is the device token a camera on the LAN posts plates with
	// (POST /api/anpr, Authorization: Bearer <token>); "" keeps that
	// route off. At least 16 characters: it opens a barrier.
	Token string `toml:"token"`
}

// defaultANPR is the camera a config leaves out: none.
func defaultANPR() ANPRConfig {
	return ANPRConfig{Driver: "off", Baud: 9600, MinConfidence: anpr.DefaultOpts.MinConfidence,
		DedupWindow: Duration{anpr.DefaultOpts.DedupWindow}}
}

// vehicleProblems checks lane_kind and [anpr].
func (c Config) vehicleProblems() []string {
	var p []string
	bad := func(key, format string, args ...any) { p = append(p, key+": "+fmt.Sprintf(format, args...)) }
	vehicle := c.LaneKind == LaneVehicle
	if c.LaneKind != "" && c.LaneKind != LanePeople && !vehicle {
		bad("lane_kind", "%q: use \"people\" (the default) or \"vehicle\" for a vehicle lane (车辆通道)", c.LaneKind)
	}
	a := c.ANPR
	switch a.Driver {
	case "off", "":
	case "serial":
		if !vehicle {
			bad("anpr.driver", "a camera needs lane_kind = \"vehicle\"")
		}
		if a.Port == "" {
			bad("anpr.port", "required with driver \"serial\": the camera's serial port, e.g. /dev/ttyUSB1")
		}
	default:
		bad("anpr.driver", "%q: use \"off\" or \"serial\"", a.Driver)
	}
	if a.Baud < 1200 || a.Baud > 921600 {
		bad("anpr.baud", "%d: the camera's serial speed, 1200-921600 (9600 is usual)", a.Baud)
	}
	o := anpr.Opts{MinConfidence: a.MinConfidence, DedupWindow: a.DedupWindow.Duration}
	if err := o.Validate(); err != nil {
		bad("anpr", "%v", strings.TrimPrefix(err.Error(), "anpr: "))
	}
	switch {
	case a.Token != "" && !vehicle:
		bad("anpr.token", "a camera's token needs lane_kind = \"vehicle\"")
	case a.Token != "" && len(a.Token) < 16:
		bad("anpr.token", "%d characters: at least 16, it opens a barrier (e.g. openssl rand -hex 16)", len(a.Token))
	}
	return p
}

// vehicleConsole is the console's vehicle part: the pipeline on a
// vehicle lane, nil on a lane for people.
func (u *Unit) vehicleConsole() console.Vehicles {
	if u.cfg.LaneKind != LaneVehicle {
		return nil
	}
	return u.pipeline
}

// recorded runs once a record the pipeline logged by itself is durable:
// a vehicle's outcome goes to the barrier and the uplink.
func (u *Unit) recorded(e wire.Entry) {
	if e.Record != nil && e.Record.Vehicle != nil {
		u.outputs.show(u.atBarrier(e))
	}
	u.uplink.Notify()
}

// atBarrier is what the gate outputs show for e. At a vehicle lane the
// barrier opens for the vehicle, not for each person in it: an occupant
// let in shows "wait" (the vehicle waits for the rest of its people and
// the guard), and the vehicle's record shows the vehicle's outcome, so
// only a vehicle let through opens the barrier.
func (u *Unit) atBarrier(e wire.Entry) wire.Entry {
	switch {
	case u.cfg.LaneKind != LaneVehicle:
	case e.Record != nil && e.Record.Vehicle != nil:
		e.Decision = e.Record.Vehicle.Decision
	case e.Vehicle != nil && e.Decision == wire.Allow:
		e.Decision = wire.Wait
	}
	return e
}

// Vehicle is the vehicle at the lane, for checks and tests.
func (u *Unit) Vehicle() *screening.VehicleView { return u.pipeline.Vehicle() }

// reopenANPR is how long the camera's port rests after a failure; a
// camera that was unplugged is looked for again at this pace.
const reopenANPR = 2 * time.Second

// runANPR reads the serial camera until ctx ends, reopening its port
// after a failure, and puts each plate read on the lane.
func (u *Unit) runANPR(ctx context.Context) {
	a := u.cfg.ANPR
	if u.cfg.LaneKind != LaneVehicle || a.Driver != "serial" {
		return
	}
	for ctx.Err() == nil {
		port, err := serial.Open(a.Port, &serial.Mode{BaudRate: a.Baud})
		if err != nil {
			u.log.Warn("number-plate camera not opened; the guard types plates until it is", "port", a.Port, "err", err)
		} else {
			err = u.readPlates(ctx, port)
			port.Close()
			if ctx.Err() == nil {
				u.log.Warn("number-plate camera stopped; reopening", "port", a.Port, "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(reopenANPR):
		}
	}
}

// readPlates reads plates from one opened port until it fails.
func (u *Unit) readPlates(ctx context.Context, port serial.Port) error {
	stop := context.AfterFunc(ctx, func() { port.Close() })
	defer stop()
	r := anpr.NewReader(port, &anpr.Opts{MinConfidence: u.cfg.ANPR.MinConfidence, DedupWindow: u.cfg.ANPR.DedupWindow.Duration})
	for {
		rd, err := r.Next()
		switch {
		case errors.Is(err, io.EOF):
			return errors.New("camera closed the line")
		case err != nil:
			return err
		}
		if _, err := u.pipeline.OpenVehicle(ctx, rd.Plate, rd.Colour, wire.PlateByANPR, u.console.OnDuty()); err != nil {
			u.log.Warn("camera read refused; the guard types the plate", "plate", rd.Plate, "err", err)
		}
	}
}
