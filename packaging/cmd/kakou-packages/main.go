// Command kakou-packages builds the Debian packages of the unit, the gateway
// and the collector (packaging/README.md). `make packages` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/kakou/kakou/packaging"
)

func main() {
	out := flag.String("out", "bin/packages", "folder the .deb files are written to")
	root := flag.String("root", ".", "the repository (the folder holding go.mod)")
	version := flag.String("version", "", "Debian version, starting with a digit, e.g. 0.1234+g3907eb2")
	only := flag.String("packages", "", "comma-separated package names; empty: all")
	archs := flag.String("archs", "", "comma-separated Debian architectures (armhf, arm64, amd64, all); empty: each package's own")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	written, err := packaging.Build(ctx, packaging.Options{
		Root: *root, Out: *out, Version: *version,
		Packages: split(*only), Archs: split(*archs),
		Log: slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, w := range written {
		fmt.Println(w)
	}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
