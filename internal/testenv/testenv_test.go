package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestAwaitReturnsOnceTheConditionHolds(t *testing.T) {
	calls := 0
	Await(t, "the third call", time.Minute, func() bool { calls++; return calls == 3 })
	if calls != 3 {
		t.Fatalf("cond called %d times, want 3", calls)
	}
}

func TestAwaitFailsNamingWhatItWaitedFor(t *testing.T) {
	ft := &fakeT{TB: t}
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine it runs in, as in a real test
		defer close(done)
		Await(ft, "the impossible", 20*time.Millisecond, func() bool { return false })
	}()
	<-done
	if ft.fatal == "" || !strings.Contains(ft.fatal, "the impossible") {
		t.Fatalf("failure %q does not name what was awaited", ft.fatal)
	}
}

func TestNeedSkipsAMissingToolUnlessIntegrationRequiresIt(t *testing.T) {
	for _, required := range []string{"", "1"} {
		t.Setenv("KAKOU_INTEGRATION", required)
		ft := &fakeT{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Need(ft, "kakou-no-such-tool")
		}()
		<-done
		if required == "1" && (ft.fatal == "" || ft.skip != "") {
			t.Errorf("KAKOU_INTEGRATION=1: fatal %q, skip %q; want a failure", ft.fatal, ft.skip)
		}
		if required == "" && (ft.skip == "" || ft.fatal != "") {
			t.Errorf("KAKOU_INTEGRATION unset: fatal %q, skip %q; want a skip", ft.fatal, ft.skip)
		}
	}
}

func TestNeedFindsAToolOnThePath(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "kakou-fake-tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if got := Need(t, "kakou-fake-tool"); got != tool {
		t.Fatalf("Need = %q, want %q", got, tool)
	}
}

func TestRepoRootHoldsGoMod(t *testing.T) {
	if _, err := os.Stat(filepath.Join(RepoRoot(t), "go.mod")); err != nil {
		t.Fatal(err)
	}
}

// fakeT records a failure or a skip and ends the goroutine, as testing.T
// does, without failing the real test.
type fakeT struct {
	testing.TB
	fatal, skip string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeT) Skipf(format string, args ...any) {
	f.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
