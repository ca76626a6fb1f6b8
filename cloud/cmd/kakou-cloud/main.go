// Command kakou-cloud runs the Kakou cloud collector: it receives every
// checkpoint unit's entries and presence over MQTT, stores them, and serves
// the API and the central monitoring dashboard.
//
//	kakou-cloud -config configs/cloud.toml
//	kakou-cloud -config configs/cloud.toml -check-config
//	kakou-cloud pki init -dir /etc/kakou/pki
//	kakou-cloud enroll-token -config configs/cloud.toml -site S -unit U
//	kakou-cloud mosquitto-acl -config configs/cloud.toml -out /etc/mosquitto/kakou
//	kakou-cloud sim -broker tcp://127.0.0.1:18830 -units 2000 -rate 1 -duration 60s
//	kakou-cloud passwd -name zhang -role monitor < password.txt
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // "today" is local midnight even on hosts without a tz database

	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/firmware/sdnotify"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sim" {
		os.Exit(sim(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "passwd" {
		os.Exit(passwd(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "policy-key" {
		os.Exit(policyKey(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "pki" {
		os.Exit(pkiCmd(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "enroll-token" {
		os.Exit(enrollToken(os.Args[2:], os.Stdout))
	}
	if len(os.Args) > 1 && os.Args[1] == "mosquitto-acl" {
		os.Exit(mosquittoACL(os.Args[2:]))
	}
	configPath := flag.String("config", "/etc/kakou/cloud.toml", "collector configuration file (TOML)")
	check := flag.Bool("check-config", false, "validate the configuration, print every problem and exit")
	flag.Parse()

	cfg, err := collector.LoadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kakou-cloud: configuration problems:")
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *check {
		fmt.Printf("%s: configuration is valid\n", *configPath)
		return
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(cfg, log); err != nil {
		log.Error("kakou-cloud stopped", "err", err)
		os.Exit(1)
	}
}

func run(cfg collector.Config, log *slog.Logger) error {
	if setGC() {
		log.Info("the garbage collector runs when the heap reaches memory_limit_mib; GOGC or GOMEMLIMIT overrides it",
			"memory_limit_mib", memoryLimit>>20)
	}
	c, err := collector.New(cfg, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := c.Start(ctx); err != nil {
		return err
	}
	log.Info("dashboard: "+c.HTTPURL(), "units_publish_to", c.BrokerURLs())
	sd := sdnotify.New(log)
	status := "collecting; units publish to " + strings.Join(c.BrokerURLs(), ", ") + "; dashboard " + c.HTTPURL()
	sd.Ready(status)
	go sd.Watch(ctx, sdnotify.Serving(status, func() error { return healthy(c.HTTPURL()) }))
	<-ctx.Done()
	log.Info("shutting down")
	sd.Stopping()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Shutdown(shutdownCtx)
}
