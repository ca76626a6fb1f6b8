package main

import (
	"bytes"
	"flag"
	"strings"
	"testing"
)

func TestHelpListsTheSubcommands(t *testing.T) {
	fs := flag.NewFlagSet("kakou-unit", flag.ContinueOnError)
	fs.String("config", "/etc/kakou/unit.toml", "unit configuration file (TOML)")
	var out bytes.Buffer
	fs.SetOutput(&out)
	usage(fs)
	for _, want := range []string{"kakou-unit setup", "kakou-unit probe", "kakou-unit pass keygen | issue", "-config"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
}

func TestPassHelpPrintsUsageAndSucceeds(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"issue", "-h"}} {
		var out, errOut bytes.Buffer
		if code := pass(args, &out, &errOut); code != 0 || !strings.Contains(out.String(), "issue") || errOut.Len() > 0 {
			t.Errorf("pass %q: exit %d, stdout %q, stderr %q; want usage on stdout and exit 0", args, code, out.String(), errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := pass([]string{"frobnicate"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "unknown subcommand") {
		t.Errorf("pass frobnicate: exit %d, stderr %q; want a failure naming the mistake", code, errOut.String())
	}
	if code := pass(nil, &out, &errOut); code == 0 {
		t.Error("pass with no subcommand: exit 0, want a failure with the usage")
	}
}
