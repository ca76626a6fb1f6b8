package main

import (
	"io"

	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/update"
)

// updateGuard is `kakou-unit update-guard` (update.GuardCommand).
func updateGuard(args []string, stdout, stderr io.Writer) int {
	return update.GuardCommand("kakou-unit", "/etc/kakou/unit.toml", func(path string) (update.Guarded, error) {
		cfg, err := unit.LoadConfig(path)
		return update.Guarded{DataDir: cfg.DataDir, Root: cfg.Update.Root, MaxStarts: cfg.Update.MaxStartsOrDefault()}, err
	}, args, stdout, stderr)
}
