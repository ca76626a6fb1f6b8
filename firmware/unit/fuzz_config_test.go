package unit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadConfig holds LoadConfig to its contract for any file an
// installer (or an attacker with the SD card) can write: no panic, and a
// refusal names the file. Seeded from the shipped configs and the hostile
// corpus.
func FuzzLoadConfig(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "configs", "unit-*.toml"))
	hostile, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "hostile", "config", "unit", "*.toml"))
	for _, p := range append(seeds, hostile...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	path := filepath.Join(f.TempDir(), "unit.toml")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadConfig(path); err != nil && !strings.Contains(err.Error(), path) {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// FuzzLoadGuardsFile: a guards file (console.guards_file) loads into a
// roster that validates, or is refused naming the file; never a panic.
func FuzzLoadGuardsFile(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "..", "configs", "guards-demo.toml")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{"", "[[guard]]\n", "[[guard]]\nid = \"a\"\nname = \"b\"\npin_hash = \"pbkdf2-sha256$1000$MDEyMzQ1Njc$x\"\n",
		"guard = 1\n", "[[guard]]\nid = \"a\"\n[[guard]]\nid = \"a\"\n"} {
		f.Add([]byte(s))
	}
	path := filepath.Join(f.TempDir(), "guards.toml")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := LoadGuardsFile(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		r.Site, r.Unit, r.Version = "s", "u", 1
		if err := r.Validate(); err != nil {
			t.Fatalf("loaded a roster that does not validate: %v", err)
		}
	})
}
