package unit

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kakou/kakou/drivers/serialscanner"
	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"
)

// Probe helps an installer check the wiring in a minute: it lists the I2C
// buses and serial ports this machine has, takes one temperature reading
// and waits for one scan with the devices the config names. Every device
// is checked and reported even when one before it failed, so a miswired
// I2C bus does not hide whether the scanner works; the error names every
// device that failed.
func Probe(ctx context.Context, c Config, w io.Writer, scanWait time.Duration) error {
	listBuses(w)
	listPorts(w)
	crowd, err := c.crowd()
	if err != nil {
		return err
	}
	d := &devices{}
	defer d.close()
	var failed []string
	if !probeThermometer(ctx, c, d, crowd, w) {
		failed = append(failed, "thermometer (check its wiring, thermometer.i2c_bus and thermometer.address)")
	}
	if !probeScanner(ctx, c, d, crowd, w, scanWait) {
		failed = append(failed, "scanner (check its cable, scanner.port and scanner.baud)")
	}
	devices := 2
	if c.IDCard.Driver != "" {
		devices++
		if !probeCardReader(ctx, c.IDCard, w, scanWait) {
			failed = append(failed, "ID card reader (check its cable, idcard.port and idcard.baud)")
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("probe: %d of %d devices failed: %s", len(failed), devices, strings.Join(failed, "; "))
	}
	return nil
}

// probeThermometer opens the thermometer and reads it once. A reading the
// sensor doubts is still a working sensor.
func probeThermometer(ctx context.Context, c Config, d *devices, crowd *sim.Crowd, w io.Writer) bool {
	fmt.Fprintf(w, "\nthermometer (%s): ", c.Thermometer.Driver)
	if err := d.openThermometer(c, crowd); err != nil {
		fmt.Fprintf(w, "FAULT: %v\n", err)
		return false
	}
	r, err := d.thermo.Measure(ctx)
	if err != nil {
		fmt.Fprintf(w, "FAULT: %v\n", err)
		return false
	}
	fmt.Fprintf(w, "raw %s, body %s", r.Raw, r.Body)
	if r.Uncertain {
		fmt.Fprintf(w, " (uncertain: %s)", r.Why)
	}
	fmt.Fprintln(w)
	return true
}

// probeScanner opens the scanner and waits up to scanWait for one code.
func probeScanner(ctx context.Context, c Config, d *devices, crowd *sim.Crowd, w io.Writer, scanWait time.Duration) bool {
	fmt.Fprintf(w, "scanner (%s): ", c.Scanner.Driver)
	if err := d.openScanner(c, crowd); err != nil {
		fmt.Fprintf(w, "FAULT: %v\n", err)
		return false
	}
	fmt.Fprintf(w, "show a code within %s… ", scanWait)
	sctx, cancel := context.WithTimeout(ctx, scanWait)
	defer cancel()
	code, err := d.scanner.Scan(sctx)
	if err != nil {
		fmt.Fprintf(w, "no scan: %v", err)
		if h, ok := d.scanner.(interface{ Health() wire.Device }); ok && !h.Health().OK {
			fmt.Fprintf(w, " (%s)", h.Health().Detail)
		}
		fmt.Fprintln(w)
		return false
	}
	cred := credential.Decode(code)
	fmt.Fprintf(w, "got %d bytes: %s %s %s\n", len(code), cred.Kind, cred.Result, cred.Subject)
	return true
}

func listBuses(w io.Writer) {
	fmt.Fprintln(w, "I2C buses:")
	if _, err := host.Init(); err != nil {
		fmt.Fprintf(w, "  periph host init failed: %v\n", err)
		return
	}
	refs := i2creg.All()
	if len(refs) == 0 {
		fmt.Fprintln(w, "  none (on a Pi: enable I2C with raspi-config)")
	}
	for _, r := range refs {
		fmt.Fprintf(w, "  %s (aliases %v, number %d)\n", r.Name, r.Aliases, r.Number)
	}
}

func listPorts(w io.Writer) {
	fmt.Fprintln(w, "serial ports:")
	ports, err := serialscanner.List()
	if err != nil {
		fmt.Fprintf(w, "  cannot list: %v\n", err)
		return
	}
	if len(ports) == 0 {
		fmt.Fprintln(w, "  none (is the scanner plugged in?)")
	}
	for _, p := range ports {
		fmt.Fprintf(w, "  %s %v", p.Name, p.Links)
		if p.IsUSB {
			fmt.Fprintf(w, " USB %s:%s %s %s serial %s", p.VID, p.PID, p.Manufacturer, p.Product, p.SerialNumber)
		}
		fmt.Fprintln(w)
	}
}
