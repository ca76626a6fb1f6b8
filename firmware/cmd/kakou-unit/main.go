// Command kakou-unit runs a Kakou checkpoint unit: it screens people at one
// lane, logs every entry to its local ledger and publishes it over MQTT.
//
//	kakou-unit -config /etc/kakou/unit.toml
//	kakou-unit -config /etc/kakou/unit.toml -check-config
//	kakou-unit probe -config /etc/kakou/unit.toml   # check the wiring
//	kakou-unit setup                                 # first boot: detect, enroll, write the config
//	kakou-unit pass keygen | issue …               # issue signed passes
//	echo 2468 | kakou-unit hash-pin                # a guard's PIN hash for console.guards_file
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kakou/kakou/firmware/sdnotify"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/update"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "setup" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := setup(ctx, os.Args[2:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	if len(os.Args) > 1 && os.Args[1] == "probe" {
		probe(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "pass" {
		os.Exit(pass(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "healthsim" {
		os.Exit(healthsim(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "update-guard" {
		os.Exit(updateGuard(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "hash-pin" {
		os.Exit(hashPIN(os.Stdin, os.Stdout, os.Stderr))
	}
	configPath := flag.String("config", "/etc/kakou/unit.toml", "unit configuration file (TOML)")
	check := flag.Bool("check-config", false, "validate the configuration and exit")
	flag.Usage = func() { usage(flag.CommandLine) }
	flag.Parse()

	cfg, err := unit.LoadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kakou-unit: configuration problems:")
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *check {
		if err := unit.CheckFiles(cfg); err != nil {
			fmt.Fprintf(os.Stderr, "kakou-unit: %s: %v\n", *configPath, err)
			os.Exit(1)
		}
		fmt.Printf("%s: configuration is valid\n", *configPath)
		return
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// The packaged binary hands over to a newer installed update (this
	// returns only when there is none, or it cannot start).
	if err := update.Launch(cfg.Update.Root, "kakou-unit", unit.Version); err != nil {
		log.Error("kakou-unit: the installed update does not start; running the packaged version", "err", err)
	}
	if err := run(cfg, log); err != nil {
		log.Error("kakou-unit stopped", "err", err)
		os.Exit(1)
	}
}

// usage lists the subcommands as well as the flags: -h is how an installer
// finds probe and pass.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `Usage:
  kakou-unit [-config FILE] [-check-config]
        run the checkpoint unit (or only validate its configuration)
  kakou-unit setup [-yes -site S -unit U -enroll-url URL -token T ...]
        first boot: ask for the site, unit and enrollment, detect the
        thermometer and scanner, enroll and write /etc/kakou/unit.toml
        ("kakou-unit setup -h" lists the flags for scripted installs)
  kakou-unit probe [-config FILE] [-wait 30s]
        check the wiring: list I2C buses and serial ports, read the
        thermometer once and wait for one scan; every device is reported
  kakou-unit pass keygen | issue ...
        make a site office's signing key and signed passes ("kakou-unit pass -h")
  kakou-unit healthsim [-listen 127.0.0.1:18099]
        run a simulated provincial health-code service for the demo and print its URL
  echo PIN | kakou-unit hash-pin
        print a guard's PIN hash for a console.guards_file (a unit with no centre)
  kakou-unit update-guard [-config FILE]
        before each start (ExecStartPre): roll back a new version that keeps failing to start

Flags:
`)
	fs.PrintDefaults()
}

// pass runs the pass subcommands and returns the exit code; asking for
// help is not a failure.
func pass(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, passUsage)
		return 2
	}
	if err := passCommand(args, stdout); err != nil {
		fmt.Fprintln(stderr, "kakou-unit pass:", err)
		return 2
	}
	return 0
}

func run(cfg unit.Config, log *slog.Logger) error {
	sd := sdnotify.New(log)
	cfg.BeatEvery = beatFor(sd)
	u, err := unit.New(cfg, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	go tellSystemd(ctx, sd, u)
	select {
	case err = <-done: // a part failed on its own
		sd.Stopping()
	case <-ctx.Done():
		log.Info("shutting down")
		sd.Stopping()
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			return errors.New("parts did not stop within 10 s; the ledger is safe, its last write was committed")
		}
	}
	return errors.Join(err, u.Close())
}

// probe lists buses and ports, reads the thermometer once and waits for one
// scan, so an installer can check the wiring before the unit goes live.
func probe(args []string) {
	fs := flag.NewFlagSet("probe", flag.ExitOnError)
	configPath := fs.String("config", "/etc/kakou/unit.toml", "unit configuration file (TOML)")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for a scan")
	fs.Parse(args)
	cfg, err := unit.LoadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kakou-unit probe:", err)
		os.Exit(1)
	}
	if err := unit.Probe(context.Background(), cfg, os.Stdout, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "kakou-unit probe:", err)
		os.Exit(1)
	}
}
