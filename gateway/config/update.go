package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/update"
)

// Update is the [update] table: the gateway's own program updates from
// the centre (firmware/update; gateway/README.md "Program updates").
// Root is where versions are installed side by side; the packaged binary
// hands over to <root>/current/kakou-gateway when it is newer
// (update.Launch). "" (the default) leaves updates off. A push is
// installed only if signed by a key in [policy] verify_keys.
type Update struct {
	// Root is /var/lib/kakou/gateway/programs, not the unit's
	// /var/lib/kakou/programs: a gateway and a unit may share one
	// machine's state directory, and each program's current link is its own.
	Root string `toml:"root"`
	// CAFile verifies the collector the binaries come from; "" takes
	// cloud.ca_file.
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

// WindowOrDefault is window, or 2m when it is left out.
func (u Update) WindowOrDefault() time.Duration {
	if u.Window.Duration == 0 {
		return defaultUpdateWindow
	}
	return u.Window.Duration
}

// MaxStartsOrDefault is max_starts, or update.DefaultMaxStarts when it
// is left out.
func (u Update) MaxStartsOrDefault() int {
	if u.MaxStarts == 0 {
		return update.DefaultMaxStarts
	}
	return u.MaxStarts
}

func (c Config) validateUpdate(bad func(string, string, ...any)) {
	seen := map[string]bool{}
	for i, k := range c.Policy.VerifyKeys {
		if strings.TrimSpace(k) == "" || seen[k] {
			bad(fmt.Sprintf("policy.verify_keys[%d]", i), "%q: want the path of a distinct public key PEM (kakou-cloud policy-key writes one)", k)
		}
		seen[k] = true
	}
	u := c.Update
	if u.Root == "" {
		if u.CAFile != "" || u.BudgetMiB != 0 || u.Window.Duration != 0 || u.MaxStarts != 0 {
			bad("update.root", "is required when other [update] keys are set (e.g. /var/lib/kakou/gateway/programs); without it updates are off")
		}
		return
	}
	update.Settings{Root: u.Root, Keys: len(c.Policy.VerifyKeys), BudgetMiB: u.BudgetMiB,
		Window: u.Window.Duration, MaxStarts: u.MaxStarts}.Check("/var/lib/kakou/gateway/programs",
		func(key, format string, args ...any) { bad("update."+key, format, args...) })
}
