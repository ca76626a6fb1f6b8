package kakou

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/gateway/config"
)

// loader loads and validates one kind of file in configs/, the way the
// program that reads it does.
type loader func(path string) error

// loaders follow the one convention the three programs share
// (configs/README.md): LoadConfig(path) then Validate(), both failing
// with the program's *ConfigError. A policy document is loaded as the
// unit and the collector load it.
var loaders = map[string]loader{
	"unit": func(p string) error {
		c, err := unit.LoadConfig(p)
		return loaded(err, c.Validate, new(*unit.ConfigError))
	},
	"gateway": func(p string) error {
		c, err := config.LoadConfig(p)
		return loaded(err, c.Validate, new(*config.ConfigError))
	},
	"collector": func(p string) error {
		c, err := collector.LoadConfig(p)
		return loaded(err, c.Validate, new(*collector.ConfigError))
	},
	"policy": func(p string) error { _, err := policy.Load(p); return err },
	"guards": func(p string) error { _, err := unit.LoadGuardsFile(p); return err },
}

// loaded is LoadConfig's error, or else Validate's on what it loaded; an
// error of any other type than the program's *ConfigError breaks the
// convention and says so.
func loaded[E error](err error, validate func() error, want *E) error {
	if err == nil {
		err = validate()
	}
	if err != nil && !errors.As(err, want) {
		// Not the error itself: the hostile-config test must not pass on
		// an error of the wrong shape that happens to name file and key.
		return fmt.Errorf("a %T, not the program's *ConfigError the convention asks for", err)
	}
	return err
}

// notConfigs are the files in configs/ that no program loads.
var notConfigs = map[string]bool{"README.md": true, "demo.sh": true, "policies/README.md": true}

// classify names the loader for a file in configs/ by where it is and how
// it is named: unit*.toml, gateway*.toml, cloud*.toml, guards*.toml (a
// console's local roster; also in production/), and every policies/*.toml.
func classify(rel string) (string, bool) {
	dir, base := filepath.Dir(rel), filepath.Base(rel)
	if dir == "nats" && filepath.Ext(base) == ".conf" {
		return "nats", true // configs_nats_test.go
	}
	if filepath.Ext(base) != ".toml" {
		return "", false
	}
	if dir == "policies" {
		return "policy", true
	}
	if dir != "." && dir != "production" {
		return "", false
	}
	for prefix, kind := range map[string]string{"unit": "unit", "gateway": "gateway", "cloud": "collector", "guards": "guards"} {
		if name := strings.TrimSuffix(base, ".toml"); name == prefix || strings.HasPrefix(name, prefix+"-") {
			return kind, true
		}
	}
	return "", false
}

// TestEveryFileInConfigsLoadsWithItsProgramsLoader: every file shipped in
// configs/ is loaded and validated by the program that reads it, and a
// file no loader claims fails the test rather than going unchecked.
func TestEveryFileInConfigsLoadsWithItsProgramsLoader(t *testing.T) {
	seen := map[string]int{}
	err := filepath.WalkDir("configs", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("configs", path)
		rel = filepath.ToSlash(rel)
		if notConfigs[rel] {
			return nil
		}
		kind, ok := classify(rel)
		if !ok {
			t.Errorf("configs/%s: no program's loader claims it; name it unit-…, gateway-… or cloud-….toml, put a policy in policies/, or list it in notConfigs", rel)
			return nil
		}
		seen[kind]++
		t.Run(rel, func(t *testing.T) {
			// Relative paths inside a config (a gateway's policy) are the
			// repository root's, where the programs are started in the demo.
			if err := loaders[kind](path); err != nil {
				t.Errorf("%s loader: %v", kind, err)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for kind := range loaders {
		if seen[kind] == 0 {
			t.Errorf("no %s file in configs/: the walk or the naming is broken", kind)
		}
	}
}

func TestClassifyRefusesFilesNoLoaderKnows(t *testing.T) {
	for rel, want := range map[string]string{
		"unit-community-gate.toml": "unit", "production/unit.toml": "unit",
		"gateway-riverside-market.toml": "gateway", "cloud.toml": "collector",
		"cloud-scale-out.toml": "collector", "policies/class-b.toml": "policy", "guards-demo.toml": "guards",
		"units.toml": "", "gateway.yaml": "", "site/unit.toml": "", "other.toml": "", "cloudy.toml": "",
	} {
		if got, _ := classify(rel); got != want {
			t.Errorf("classify(%q) = %q, want %q", rel, got, want)
		}
	}
}
