package unit

import (
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/kakou/kakou/firmware/update"
)

// UpdateConfig is [update]: program updates from the centre
// (firmware/update). Root is where versions are installed side by side;
// the packaged binary hands over to <root>/current/kakou-unit when it is
// newer (update.Launch); "" (the
// default) leaves updates off, as on a unit not installed from the
// package. Updates are installed only if signed by a key in
// [policy] verify_keys.
type UpdateConfig struct {
	Root string `toml:"root"` // /var/lib/kakou/programs
	// CAFile verifies the collector the binaries come from, when its
	// certificate is not from mqtt.ca_file's CA (a unit behind a site
	// gateway); "" takes mqtt.ca_file.
	CAFile string `toml:"ca_file"`
	// BudgetMiB bounds <data_dir>/updates; 0 takes 128.
	BudgetMiB int64 `toml:"budget_mib"`
	// Window is how long a new version has to be healthy; 0 takes 2m.
	Window Duration `toml:"window"`
	// MaxStarts is how often a new version may start without becoming
	// healthy before update-guard rolls it back; 0 takes 3.
	MaxStarts int `toml:"max_starts"`
}

const defaultUpdateWindow = 2 * time.Minute

func (c UpdateConfig) window() time.Duration {
	if c.Window.Duration == 0 {
		return defaultUpdateWindow
	}
	return c.Window.Duration
}

// MaxStartsOrDefault is max_starts, or 3 when it is left out.
func (c UpdateConfig) MaxStartsOrDefault() int {
	if c.MaxStarts == 0 {
		return 3
	}
	return c.MaxStarts
}

// updateProblems checks [update] against the rest of the config.
func (c Config) updateProblems() []string {
	uc := c.Update
	if uc.Root == "" {
		return nil
	}
	var p []string
	bad := func(key, format string, args ...any) { p = append(p, "update."+key+": "+fmt.Sprintf(format, args...)) }
	if !filepath.IsAbs(uc.Root) {
		bad("root", "%q: want an absolute directory, e.g. /var/lib/kakou/programs", uc.Root)
	}
	if len(c.Policy.VerifyKeys) == 0 {
		bad("root", "updates need the centre's public key in policy.verify_keys: an unsigned update is never installed")
	}
	if update.Arch() == "" {
		bad("root", "this build (%s) has no update architecture; leave root out", runtime.GOARCH)
	}
	if b := uc.BudgetMiB; b != 0 && (b < 16 || b > 4096) {
		bad("budget_mib", "%d: want 16 to 4096 MiB (128 is usual), or leave it out", b)
	}
	if w := uc.Window.Duration; w != 0 && (w < 10*time.Second || w > 30*time.Minute) {
		bad("window", "%s: want 10s to 30m (2m is usual): how long a new version has to become healthy", w)
	}
	if n := uc.MaxStarts; n != 0 && (n < 1 || n > 10) {
		bad("max_starts", "%d: want 1 to 10 (3 is usual), or leave it out", n)
	}
	return p
}
