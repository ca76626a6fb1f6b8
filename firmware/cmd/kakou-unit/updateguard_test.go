package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The guard runs from the previous binary with the unit's own config; on
// a pending version that has used up its starts it points current back.
func TestUpdateGuardRollsBackAVersionThatKeepsFailingToStart(t *testing.T) {
	dir := t.TempDir()
	root, data := filepath.Join(dir, "lib"), filepath.Join(dir, "data")
	for _, v := range []string{"1.4.0", "1.5.0"} {
		os.MkdirAll(filepath.Join(root, v), 0o755)
	}
	os.Symlink("1.5.0", filepath.Join(root, "current"))
	os.Symlink("1.4.0", filepath.Join(root, "previous"))
	os.MkdirAll(filepath.Join(data, "updates"), 0o755)
	os.WriteFile(filepath.Join(data, "updates", "state.json"),
		[]byte(`{"program":"kakou-unit","version":"1.5.0","previous":"1.4.0","phase":"pending","starts":1}`), 0o644)
	key := filepath.Join(dir, "centre.pub")
	os.WriteFile(key, []byte("MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"), 0o644)
	cfg := filepath.Join(dir, "unit.toml")
	os.WriteFile(cfg, []byte(`site = "s1"
unit = "u1"
facility = "community"
lane = "in"
data_dir = "`+data+`"
[mqtt]
broker = "tcp://127.0.0.1:1883"
[policy]
verify_keys = ["`+key+`"]
[update]
root = "`+root+`"
max_starts = 1
`), 0o644)
	var out, errb bytes.Buffer
	if code := updateGuard([]string{"-config", cfg}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "rolled back") {
		t.Fatalf("output %q, want it to say it rolled back", out.String())
	}
	if v, _ := os.Readlink(filepath.Join(root, "current")); v != "1.4.0" {
		t.Fatalf("current -> %s, want 1.4.0", v)
	}
}
