package unit

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kakou/kakou/drivers/serialscanner"
	"github.com/kakou/kakou/firmware/credential"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"
)

// Probe helps an installer check the wiring in a minute: it lists the I2C
// buses and serial ports this machine has, takes one temperature reading
// and waits for one scan with the devices the config names.
func Probe(ctx context.Context, c Config, w io.Writer, scanWait time.Duration) error {
	listBuses(w)
	listPorts(w)
	d, err := openDevices(c)
	if err != nil {
		return err
	}
	defer d.close()
	fmt.Fprintf(w, "\nthermometer (%s): ", c.Thermometer.Driver)
	if r, err := d.thermo.Measure(ctx); err != nil {
		fmt.Fprintf(w, "FAULT: %v\n", err)
	} else {
		fmt.Fprintf(w, "raw %s, body %s", r.Raw, r.Body)
		if r.Uncertain {
			fmt.Fprintf(w, " (uncertain: %s)", r.Why)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "scanner (%s): show a code within %s… ", c.Scanner.Driver, scanWait)
	sctx, cancel := context.WithTimeout(ctx, scanWait)
	defer cancel()
	code, err := d.scanner.Scan(sctx)
	if err != nil {
		fmt.Fprintf(w, "no scan: %v\n", err)
		return fmt.Errorf("probe: no scan received: check the scanner's cable, port and baud rate")
	}
	cred := credential.Decode(code)
	fmt.Fprintf(w, "got %d bytes: %s %s %s\n", len(code), cred.Kind, cred.Result, cred.Subject)
	return nil
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
