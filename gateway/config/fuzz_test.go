package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad holds Load to its contract for any file an
// installer (or an attacker with the SD card) can write: no panic, and a
// refusal names the file. Seeded from the shipped configs and the hostile
// corpus.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "configs", "gateway-*.toml"))
	hostile, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "hostile", "config", "gateway", "*.toml"))
	for _, p := range append(seeds, hostile...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("site = \"s\"\ndata_dir = \"/d\"\n[cloud]\nbroker = \"tcp://h:1\"\n[policy]\npath = \"p\"\nverify_keys = [\"/k\"]\n[update]\nroot = \"/r\"\nwindow = \"1m\"\nmax_starts = 2\n"))
	path := filepath.Join(f.TempDir(), "gateway.toml")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadConfig(path); err != nil && !strings.Contains(err.Error(), path) {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
