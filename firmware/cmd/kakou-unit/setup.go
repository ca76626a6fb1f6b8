package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kakou/kakou/firmware/unit"
)

// setup runs the first-boot walk-through and returns the exit code. Every
// question has a flag, so "-yes" with the flags installs without a keyboard.
func setup(ctx context.Context, args []string, in io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o unit.SetupOptions
	fs.StringVar(&o.Config, "config", "/etc/kakou/unit.toml", "where to write the configuration")
	fs.BoolVar(&o.Force, "force", false, "replace an existing configuration")
	fs.BoolVar(&o.Yes, "yes", false, "ask nothing: take the flags, and defaults for the rest (scripted installs)")
	fs.StringVar(&o.Site, "site", "", "site id, e.g. sunshine-garden")
	fs.StringVar(&o.Unit, "unit", "", "unit id, e.g. south-gate")
	fs.StringVar(&o.Lane, "lane", "", "in (entrance) or out (exit); default in")
	fs.StringVar(&o.DataDir, "data-dir", "", "the unit's state; default /var/lib/kakou")
	fs.StringVar(&o.EnrollURL, "enroll-url", "", "the collector's https:// address")
	fs.StringVar(&o.Token, "token", "", "one-time token from kakou-cloud enroll-token")
	fs.StringVar(&o.CAFile, "ca-file", "", "CA certificate that verifies the collector; none = the system's roots")
	fs.StringVar(&o.Broker, "broker", "", "MQTT broker, or a cluster's nodes separated by commas; default ssl://<enrollment host>:8883")
	fs.StringVar(&o.Thermometer, "thermometer", "", "\"sim\" for a bench without a thermometer; default: detect an MLX90614 on I2C")
	fs.StringVar(&o.ScannerPort, "scanner-port", "", "the scanner's serial port, or sim; default: the port a test scan arrives on")
	fs.StringVar(&o.IDCardPort, "idcard-port", "", "the ID card reader's serial port, if one is fitted")
	fs.DurationVar(&o.ScanWait, "scan-wait", time.Minute, "how long to wait for the test scan; 0 = trust -scanner-port")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := unit.Setup(ctx, o, in, stdout); err != nil {
		fmt.Fprintln(stderr, "kakou-unit setup:", err)
		return 1
	}
	return 0
}
