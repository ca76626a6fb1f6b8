package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/gateway/config"
)

// updateGuard runs before every start of the service (the unit file's
// ExecStartPre=-/usr/bin/kakou-gateway update-guard), from the packaged
// binary, which an update never replaces: a new version that crashes or
// hangs at start is rolled back after [update] max_starts starts. It
// returns the exit code; a guard that fails must not stop the gateway
// starting, so the unit file ignores it ('-').
func updateGuard(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("update-guard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "/etc/kakou/gateway.toml", "gateway configuration file (TOML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.LoadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, "kakou-gateway update-guard:", err)
		return 1
	}
	if cfg.Update.Root == "" {
		return 0 // updates off
	}
	rolled, err := update.Guard(cfg.DataDir, cfg.Update.Root, cfg.Update.MaxStartsOrDefault())
	if err != nil {
		fmt.Fprintln(stderr, "kakou-gateway update-guard:", err)
		return 1
	}
	if rolled {
		fmt.Fprintln(stdout, "kakou-gateway update-guard: the new version did not become healthy; rolled back to the previous one")
	}
	return 0
}
