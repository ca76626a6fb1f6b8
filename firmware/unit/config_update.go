package unit

import (
	"fmt"
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
		return update.DefaultMaxStarts
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
	update.Settings{Root: uc.Root, Keys: len(c.Policy.VerifyKeys), BudgetMiB: uc.BudgetMiB,
		Window: uc.Window.Duration, MaxStarts: uc.MaxStarts}.Check("/var/lib/kakou/programs", bad)
	return p
}
