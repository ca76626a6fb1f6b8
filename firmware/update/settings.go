package update

import (
	"path/filepath"
	"runtime"
	"time"
)

// Settings are a program's [update] keys as its config file gives them,
// zero where left out.
type Settings struct {
	Root      string
	Keys      int // how many of the centre's public keys policy.verify_keys names
	BudgetMiB int64
	Window    time.Duration
	MaxStarts int
}

// Check reports each problem of s to bad under its key within [update]
// ("root", "budget_mib", …); example is a root to suggest. The unit and
// the gateway share these bounds.
func (s Settings) Check(example string, bad func(key, format string, args ...any)) {
	if !filepath.IsAbs(s.Root) {
		bad("root", "%q: want an absolute directory, e.g. %s", s.Root, example)
	}
	if s.Keys == 0 {
		bad("root", "updates need the centre's public key in policy.verify_keys: an unsigned update is never installed")
	}
	if Arch() == "" {
		bad("root", "this build (%s) has no update architecture; leave root out", runtime.GOARCH)
	}
	if b := s.BudgetMiB; b != 0 && (b < 16 || b > 4096) {
		bad("budget_mib", "%d: want 16 to 4096 MiB (128 is usual), or leave it out", b)
	}
	if w := s.Window; w != 0 && (w < 10*time.Second || w > 30*time.Minute) {
		bad("window", "%s: want 10s to 30m (2m is usual): how long a new version has to become healthy", w)
	}
	if n := s.MaxStarts; n != 0 && (n < 1 || n > 10) {
		bad("max_starts", "%d: want 1 to 10 (3 is usual), or leave it out", n)
	}
}
