// Command kakou-gateway runs a Kakou site gateway: the MQTT broker the
// site's checkpoint units connect to, the facility's occupancy count and
// flow limits (which hold with the internet down), store-and-forward of
// every entry to the cloud collector, and the staff's occupancy API.
//
//	kakou-gateway -config configs/gateway-riverside-market.toml
//	kakou-gateway -config configs/gateway-riverside-market.toml -check-config
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/kakou/kakou/gateway/config"
)

// version is set at build time: -ldflags "-X main.version=…".
var version = "dev"

func main() {
	configPath := flag.String("config", "/etc/kakou/gateway.toml", "gateway configuration file (TOML)")
	check := flag.Bool("check-config", false, "validate the configuration and the files it names, print every problem and exit")
	flag.Parse()

	cfg, err := config.LoadConfig(*configPath)
	if err == nil {
		err = checkFiles(cfg)
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("kakou-gateway stopped", "err", err)
		os.Exit(1)
	}
}

// checkFiles reads what the config names: the policy file and TLS files.
func checkFiles(cfg config.Config) error {
	if _, _, err := cfg.Capacity(); err != nil {
		return err
	}
	if _, err := cfg.LAN.TLS(); err != nil {
		return err
	}
	if _, err := cfg.Web.TLS(); err != nil {
		return err
	}
	_, err := cfg.Cloud.TLS()
	return err
}

// run starts the gateway and stops it when ctx ends.
func run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if err := useCredential(ctx, &cfg, log); err != nil { // enroll.go
		return err
	}
	g, err := start(ctx, cfg, log)
	if err != nil {
		return err
	}
	log.Info("kakou-gateway running", "site", cfg.Site, "units_connect_to", g.lan.URL(),
		"web", g.webURL(), "cloud", cfg.Cloud.Broker)
	<-ctx.Done()
	return g.stop()
}
