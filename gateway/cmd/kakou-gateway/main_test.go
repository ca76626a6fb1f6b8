package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHelpListsTheSetupSubcommand(t *testing.T) {
	fs := flag.NewFlagSet("kakou-gateway", flag.ContinueOnError)
	fs.String("config", "/etc/kakou/gateway.toml", "gateway configuration file (TOML)")
	var out bytes.Buffer
	fs.SetOutput(&out)
	usage(fs)
	for _, want := range []string{"kakou-gateway setup", "kakou-gateway update-guard", "-config"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSetupCommandRefusesToOverwriteAndListsItsFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.toml")
	os.WriteFile(path, []byte("# keep\n"), 0o640)
	var out, errOut bytes.Buffer
	if code := setup(context.Background(), []string{"-config", path, "-yes"}, strings.NewReader(""), &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "-force") {
		t.Fatalf("exit %d, stderr %q; want 1 and advice naming -force", code, errOut.String())
	}
	errOut.Reset()
	if code := setup(context.Background(), []string{"-h"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("setup -h: exit %d", code)
	}
	for _, flag := range []string{"-site", "-gateway", "-policy", "-enroll-url", "-token", "-yes", "-force"} {
		if !strings.Contains(errOut.String(), flag) {
			t.Errorf("setup -h lacks %s:\n%s", flag, errOut.String())
		}
	}
}
