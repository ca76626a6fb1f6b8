package update

import (
	"flag"
	"fmt"
	"io"
)

// Guarded is what the update-guard command needs of a program's config.
type Guarded struct {
	DataDir, Root string // Root "" means updates are off
	MaxStarts     int
}

// GuardCommand is a program's `update-guard [-config FILE]`, run before
// every start of its service (ExecStartPre=-/usr/bin/<program>
// update-guard) from the packaged binary, which an update never
// replaces: a new version that crashes or hangs at start is rolled back
// after max_starts starts. It returns the exit code; a guard that fails
// must not stop the program starting, so the service ignores it ('-').
func GuardCommand(program, defaultConfig string, load func(path string) (Guarded, error),
	args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("update-guard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", defaultConfig, program+" configuration file (TOML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	g, err := load(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, program+" update-guard:", err)
		return 1
	}
	if g.Root == "" {
		return 0
	}
	rolled, err := Guard(g.DataDir, g.Root, g.MaxStarts)
	if err != nil {
		fmt.Fprintln(stderr, program+" update-guard:", err)
		return 1
	}
	if rolled {
		fmt.Fprintln(stdout, program+" update-guard: the new version did not become healthy; rolled back to the previous one")
	}
	return 0
}
