// Package testenv is what Kakou's tests ask of the machine they run on:
// a tool that may not be installed, time for something to happen, and
// where the repository is. Only tests import it (layout_test.go checks).
//
// A missing tool skips the test, so `go test ./...` needs nothing but Go;
// KAKOU_INTEGRATION=1 (make check, CI) turns the skip into a failure, so a
// run cannot pass by not testing.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Integration reports whether this run must exercise every tool
// (KAKOU_INTEGRATION=1) instead of skipping what is missing.
func Integration() bool { return os.Getenv("KAKOU_INTEGRATION") == "1" }

// elsewhere are the places Debian puts a tool outside an ordinary PATH,
// and other names it goes by.
var elsewhere = map[string][]string{
	"mosquitto": {"/usr/sbin/mosquitto"},
	"chromium":  {"chromium-browser"},
	"postgres":  {"/usr/lib/postgresql/*/bin/postgres"},
}

// packages name the Debian package that brings a tool, for the message.
var packages = map[string]string{
	"postgres":        "postgresql",
	"qemu-arm-static": "qemu-user-static",
	"systemd-analyze": "systemd",
	"dpkg-deb":        "dpkg",
}

// Need returns the path of tool (mosquitto, socat, chromium, postgres,
// qemu-arm-static…). When it is missing the test is skipped, or fails
// under KAKOU_INTEGRATION=1.
func Need(t testing.TB, tool string) string {
	t.Helper()
	if p, ok := Find(tool); ok {
		return p
	}
	pkg := tool
	if p, ok := packages[tool]; ok {
		pkg = p
	}
	if Integration() {
		t.Fatalf("%s is not installed and KAKOU_INTEGRATION=1 requires it: run .ci/deps (apt-get install %s)", tool, pkg)
	}
	t.Skipf("%s is not installed (apt-get install %s, or .ci/deps); KAKOU_INTEGRATION=1 makes this a failure", tool, pkg)
	return ""
}

// Find looks for tool on PATH, then where Debian keeps it.
func Find(tool string) (string, bool) {
	for _, name := range append([]string{tool}, elsewhere[tool]...) {
		if !filepath.IsAbs(name) {
			if p, err := exec.LookPath(name); err == nil {
				return p, true
			}
			continue
		}
		matches, _ := filepath.Glob(name)
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				return m, true
			}
		}
	}
	return "", false
}

// RepoRoot is the directory holding the module's go.mod, found from the
// test's working directory: configs/, testdata/ and the Makefile are there.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
