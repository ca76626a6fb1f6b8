package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/kakou/kakou/gateway/gateway"
)

// setup runs the first-boot walk-through and returns the exit code. Every
// question has a flag, so "-yes" with the flags installs without a keyboard.
func setup(ctx context.Context, args []string, in io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o gateway.SetupOptions
	fs.StringVar(&o.Config, "config", "/etc/kakou/gateway.toml", "where to write the configuration")
	fs.BoolVar(&o.Force, "force", false, "replace an existing configuration")
	fs.BoolVar(&o.Yes, "yes", false, "ask nothing: take the flags, and defaults for the rest (scripted installs)")
	fs.StringVar(&o.Site, "site", "", "site id, e.g. riverside-market")
	fs.StringVar(&o.Gateway, "gateway", "", "the gateway's id; default gateway-1")
	fs.StringVar(&o.DataDir, "data-dir", "", "the gateway's state; default /var/lib/kakou/gateway")
	fs.StringVar(&o.Policy, "policy", "", "the site's policy file, with its [checks.capacity]")
	fs.StringVar(&o.LANListen, "lan-listen", "", "where the site's units connect; default 0.0.0.0:1883")
	fs.StringVar(&o.EnrollURL, "enroll-url", "", "the collector's https:// address")
	fs.StringVar(&o.Token, "token", "", "one-time token from kakou-cloud enroll-token -role gateway")
	fs.StringVar(&o.CAFile, "ca-file", "", "CA certificate that verifies the collector; none = the system's roots")
	fs.StringVar(&o.Broker, "broker", "", "the centre's MQTT broker, or a cluster's nodes separated by commas; default ssl://<enrollment host>:8883")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := gateway.Setup(ctx, o, in, stdout); err != nil {
		fmt.Fprintln(stderr, "kakou-gateway setup:", err)
		return 1
	}
	return 0
}

// usage lists the setup subcommand as well as the flags: -h is how an
// installer finds it.
func usage(fs *flag.FlagSet) {
	fmt.Fprint(fs.Output(), `Usage:
  kakou-gateway [-config FILE] [-check-config]
        run the site gateway (or only validate its configuration)
  kakou-gateway setup [-yes -site S -policy FILE -enroll-url URL -token T ...]
        first boot: ask for the site, the gateway and its enrollment, enroll
        and write /etc/kakou/gateway.toml ("kakou-gateway setup -h" lists the flags)
  kakou-gateway update-guard [-config FILE]
        before each start (ExecStartPre): roll back a new version that keeps failing to start

Flags:
`)
	fs.PrintDefaults()
}
