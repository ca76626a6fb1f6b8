package testenv

import (
	"os"
	"strings"
	"testing"
)

// NeedFile returns the first of paths that is a file: data a Debian
// package brings, like a CJK font (fonts-wqy-zenhei). When none is, the
// test is skipped naming pkg, or fails under KAKOU_INTEGRATION=1.
func NeedFile(t testing.TB, pkg string, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	if Integration() {
		t.Fatalf("none of %s exists and KAKOU_INTEGRATION=1 requires one: run .ci/deps (apt-get install %s)", strings.Join(paths, ", "), pkg)
	}
	t.Skipf("none of %s exists (apt-get install %s, or .ci/deps); KAKOU_INTEGRATION=1 makes this a failure", strings.Join(paths, ", "), pkg)
	return ""
}
