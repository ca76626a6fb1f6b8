package update

import (
	"os"
	"path/filepath"
	"testing"
)

func installed(t *testing.T, root, version string, mode os.FileMode) {
	t.Helper()
	dir := filepath.Join(root, version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kakou-unit"), []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
}

func TestNewestInstalledVersionWinsOverThePackagedOne(t *testing.T) {
	root := t.TempDir()
	if bin, err := Newer(root, "kakou-unit", "1.4.0"); bin != "" || err != nil {
		t.Fatalf("no update installed: %q, %v; want the packaged one to run", bin, err)
	}
	installed(t, root, "1.5.0", 0o755)
	if err := setLink(root, currentLink, "1.5.0"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		running, want string
	}{
		{"1.4.0", filepath.Join(root, "1.5.0", "kakou-unit")}, // the update hands over
		{"1.5.0", ""}, // the update itself: no loop
		{"1.6.0", ""}, // a package upgrade overtook the update
		{"1.5.0-rc.1", filepath.Join(root, "1.5.0", "kakou-unit")},
		{"dev", ""}, // a development build never hands over
	}
	for _, c := range cases {
		if bin, err := Newer(root, "kakou-unit", c.running); bin != c.want || err != nil {
			t.Errorf("running %s: %q, %v; want %q", c.running, bin, err, c.want)
		}
	}
	if bin, _ := Newer("", "kakou-unit", "1.4.0"); bin != "" {
		t.Errorf("updates off: %q", bin)
	}
}

func TestARolledBackOrMissingVersionLeavesThePackagedOneRunning(t *testing.T) {
	root := t.TempDir()
	// A rollback from the first update points current at the packaged
	// version, which is not installed under root.
	if err := setLink(root, currentLink, "1.4.0"); err != nil {
		t.Fatal(err)
	}
	if bin, err := Newer(root, "kakou-unit", "1.4.0"); bin != "" || err != nil {
		t.Fatalf("rolled back to the packaged version: %q, %v", bin, err)
	}
	// current names a newer version whose binary was removed, or is not
	// executable: the packaged one runs rather than failing to start.
	setLink(root, currentLink, "1.6.0")
	if bin, err := Newer(root, "kakou-unit", "1.4.0"); bin != "" || err != nil {
		t.Fatalf("removed version: %q, %v", bin, err)
	}
	installed(t, root, "1.6.0", 0o644)
	if bin, err := Newer(root, "kakou-unit", "1.4.0"); bin != "" || err != nil {
		t.Fatalf("not executable: %q, %v", bin, err)
	}
	// An operator's hand-made link that names no version is an error that
	// says what to do, and the packaged program still runs.
	setLink(root, currentLink, "latest")
	if bin, err := Newer(root, "kakou-unit", "1.4.0"); bin != "" || err == nil {
		t.Fatalf("a link naming no version: %q, %v; want an error", bin, err)
	}
}
