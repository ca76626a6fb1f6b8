package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetupCommandRefusesToOverwriteAndListsItsFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "unit.toml")
	os.WriteFile(path, []byte("# keep\n"), 0o640)
	var out, errOut bytes.Buffer
	if code := setup(context.Background(), []string{"-config", path, "-yes"}, strings.NewReader(""), &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "-force") {
		t.Fatalf("exit %d, stderr %q; want 1 and advice naming -force", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := setup(context.Background(), []string{"-h"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("setup -h: exit %d", code)
	}
	for _, flag := range []string{"-site", "-unit", "-enroll-url", "-token", "-yes", "-force", "-scanner-port"} {
		if !strings.Contains(errOut.String(), flag) {
			t.Errorf("setup -h lacks %s:\n%s", flag, errOut.String())
		}
	}
}
