// Command kakou-unit runs a Kakou checkpoint unit: it screens people at one
// lane, logs every entry to its local ledger and publishes it over MQTT.
//
//	kakou-unit -config /etc/kakou/unit.toml
//	kakou-unit -config /etc/kakou/unit.toml -check-config
//	kakou-unit probe -config /etc/kakou/unit.toml   # check the wiring
//	kakou-unit pass keygen | issue …               # issue signed passes
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/unit"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "probe" {
		probe(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "pass" {
		if err := credential.IssueCommand(os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "kakou-unit pass:", err)
			os.Exit(2)
		}
		return
	}
	configPath := flag.String("config", "/etc/kakou/unit.toml", "unit configuration file (TOML)")
	check := flag.Bool("check-config", false, "validate the configuration and exit")
	flag.Parse()

	cfg, err := unit.LoadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kakou-unit:", err)
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
	if err := run(cfg, log); err != nil {
		log.Error("kakou-unit stopped", "err", err)
		os.Exit(1)
	}
}

func run(cfg unit.Config, log *slog.Logger) error {
	u, err := unit.New(cfg, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	select {
	case err = <-done: // a part failed on its own
	case <-ctx.Done():
		log.Info("shutting down")
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
