package kakou

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigLoadersRefuseHostileFiles: every hostile config of each program
// (testdata/hostile/config/<program>) is refused with an error that names
// the file and the key, and stays short enough to read even when the file
// holds 100 KB in one value. One test for the three loaders (configs_test.go):
// the programs share no code, but what an operator needs from the error is
// the same, and so is its type's shape.
func TestConfigLoadersRefuseHostileFiles(t *testing.T) {
	for _, prog := range []string{"collector", "unit", "gateway"} {
		load := loaders[prog]
		for path, key := range hostileConfigs(t, prog) {
			t.Run(prog+"/"+filepath.Base(path), func(t *testing.T) {
				err := load(path)
				if err == nil {
					t.Fatal("accepted")
				}
				msg := err.Error()
				if !strings.Contains(msg, path) || !strings.Contains(msg, key) {
					t.Fatalf("error does not name %s and %q:\n%.300s", path, key, msg)
				}
				if len(msg) > 4096 {
					t.Fatalf("error of %d bytes echoes the hostile value:\n%.300s", len(msg), msg)
				}
			})
		}
	}
}

// hostileConfigs lists testdata/hostile/config/<prog>: each file's first
// line says which key its error must name ("# want: site"; empty when the
// file does not parse, and the error must name the file and a line).
func hostileConfigs(t *testing.T, prog string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "hostile", "config", prog, "*.toml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no hostile %s configs: %v", prog, err)
	}
	out := map[string]string{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(f).ReadString('\n')
		f.Close()
		out[p] = strings.TrimSpace(strings.TrimPrefix(line, "# want:"))
	}
	return out
}
