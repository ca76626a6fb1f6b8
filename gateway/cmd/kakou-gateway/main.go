// Command kakou-gateway runs a Kakou site gateway: the MQTT broker the
// site's checkpoint units connect to, the facility's occupancy count and
// flow limits (which hold with the internet down), store-and-forward of
// every entry to the cloud collector, and the staff's occupancy API. The
// wiring is the library package gateway/gateway; this is flags, config,
// signals.
//
//	kakou-gateway -config configs/gateway-riverside-market.toml
//	kakou-gateway -config configs/gateway-riverside-market.toml -check-config
//	kakou-gateway setup        # first boot: enroll and write /etc/kakou/gateway.toml
//	kakou-gateway update-guard # before each start: roll back a new version that keeps failing
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

	"github.com/kakou/kakou/firmware/sdnotify"
	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/gateway/config"
	"github.com/kakou/kakou/gateway/gateway"
)

// shutdownGrace bounds the whole shutdown; the bridge uses part of it to
// tell the cloud the gateway is going offline.
const shutdownGrace = 10 * time.Second

func main() {
	if len(os.Args) > 1 && os.Args[1] == "update-guard" {
		os.Exit(updateGuard(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "setup" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := setup(ctx, os.Args[2:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	configPath := flag.String("config", "/etc/kakou/gateway.toml", "gateway configuration file (TOML)")
	check := flag.Bool("check-config", false, "validate the configuration and the files it names, print every problem and exit")
	flag.Usage = func() { usage(flag.CommandLine) }
	flag.Parse()

	cfg, err := config.LoadConfig(*configPath)
	if err == nil {
		err = gateway.CheckFiles(cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kakou-gateway: configuration problems:")
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *check {
		fmt.Printf("%s: configuration is valid\n", *configPath)
		return
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// The packaged binary hands over to a newer installed update (this
	// returns only when there is none, or it cannot start).
	if err := update.Launch(cfg.Update.Root, gateway.Program, gateway.Version); err != nil {
		log.Error("kakou-gateway: the installed update does not start; running the packaged version", "err", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("kakou-gateway stopped", "err", err)
		os.Exit(1)
	}
}

// run starts the gateway and stops it when ctx ends, or with
// gateway.ErrRestart when an update needs the program started again
// (systemd's Restart=always does that).
func run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	g, err := gateway.New(cfg, log)
	if err != nil {
		return err
	}
	if err := g.Start(ctx); err != nil {
		return err
	}
	log.Info("kakou-gateway running", "site", cfg.Site, "units_connect_to", g.LANURL(),
		"web", g.WebURL(), "cloud", cfg.Cloud.Where())
	sd := sdnotify.New(log)
	status := "relaying to " + cfg.Cloud.Where() + "; units connect to " + g.LANURL() + "; web " + g.WebURL()
	sd.Ready(status)
	go sd.Watch(ctx, sdnotify.Serving(status, func() error { return accepting(g.LANURL(), g.WebAddr()) }))
	why := stopped(ctx, g.Restarting())
	sd.Stopping()
	deadline, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return errors.Join(why, g.Shutdown(deadline))
}

// stopped waits until ctx ends (nil) or an update asks for a restart
// (gateway.ErrRestart: main exits non-zero and systemd starts the
// program again, now the version <root>/current names).
func stopped(ctx context.Context, restarting <-chan struct{}) error {
	select {
	case <-ctx.Done():
		return nil
	case <-restarting:
		return gateway.ErrRestart
	}
}
