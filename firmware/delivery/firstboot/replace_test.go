package firstboot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetupReplacesOnlyAConfigStillEqualToThePackagesExample(t *testing.T) {
	dir := t.TempDir()
	config, example := filepath.Join(dir, "unit.toml"), filepath.Join(dir, "example.toml")
	if err := MayWrite(config, example, false, "kakou-unit"); err != nil {
		t.Fatalf("no config yet: %v", err)
	}
	os.WriteFile(example, []byte("site = \"sunshine-garden\"\n"), 0o644)
	os.WriteFile(config, []byte("site = \"sunshine-garden\"\n"), 0o640)
	if err := MayWrite(config, example, false, "kakou-unit"); err != nil {
		t.Fatalf("the package's untouched example: %v", err)
	}
	os.WriteFile(config, []byte("site = \"riverside-market\"\n"), 0o640)
	err := MayWrite(config, example, false, "kakou-unit")
	if err == nil || !strings.Contains(err.Error(), "-force") || !strings.Contains(err.Error(), "kakou-unit -check-config") {
		t.Fatalf("an edited config: %v, want a refusal naming -force and -check-config", err)
	}
	if err := MayWrite(config, example, true, "kakou-unit"); err != nil {
		t.Fatalf("-force: %v", err)
	}
	os.Remove(example) // a config written by hand, no package installed
	if err := MayWrite(config, example, false, "kakou-unit"); err == nil {
		t.Fatal("an existing config with no example to compare was replaced without -force")
	}
}
