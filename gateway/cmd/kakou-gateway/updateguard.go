package main

import (
	"io"

	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/gateway/config"
)

// updateGuard is `kakou-gateway update-guard` (update.GuardCommand).
func updateGuard(args []string, stdout, stderr io.Writer) int {
	return update.GuardCommand("kakou-gateway", "/etc/kakou/gateway.toml", func(path string) (update.Guarded, error) {
		cfg, err := config.LoadConfig(path)
		return update.Guarded{DataDir: cfg.DataDir, Root: cfg.Update.Root, MaxStarts: cfg.Update.MaxStartsOrDefault()}, err
	}, args, stdout, stderr)
}
