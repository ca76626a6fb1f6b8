package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/internal/testenv"
	"github.com/kakou/kakou/packaging"
)

// TestArmhfPackagedUnitRunsUnderQemuAndDeliversToTheCollector takes the
// ARMv6 binary out of the armhf package, exactly as dpkg unpacks it, checks
// a config with it and starts it under qemu-arm-static against an
// in-process collector: every entry it screens reaches the centre, and the
// unit reports the package's version. This is
// the install section of packaging/README.md, with dpkg -i replaced by
// dpkg-deb -x and systemctl start by starting the binary.
func TestArmhfPackagedUnitRunsUnderQemuAndDeliversToTheCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("building a package and running ARM code under qemu is skipped under -short")
	}
	qemu := testenv.Need(t, "qemu-arm-static")
	testenv.Need(t, "dpkg-deb")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	debs := t.TempDir()
	written, err := packaging.Build(ctx, packaging.Options{
		Root: testenv.RepoRoot(t), Out: debs, Version: "0.1+ge2e",
		Packages: []string{"kakou-unit"}, Archs: []string{"armhf"},
	})
	if err != nil || len(written) != 1 {
		t.Fatalf("build the armhf package: %v (%v)", err, written)
	}
	root := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", written[0], root).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v\n%s", err, out)
	}
	bin := filepath.Join(root, "usr", "bin", "kakou-unit")

	brokerAddr := freePort(t)
	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", brokerAddr))
	const site, id, people = "pkg-site", "pkg-gate", 20
	dir := t.TempDir()
	cfg := filepath.Join(dir, "unit.toml")
	body := fmt.Sprintf(`site = %q
unit = %q
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = "tcp://%s"
[simulator]
mean_interval = "50ms"
max_people = %d
`, site, id, filepath.Join(dir, "data"), brokerAddr, people)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(qemu, bin, "-config", cfg, "-check-config").CombinedOutput(); err != nil {
		t.Fatalf("the packaged binary refuses its config under qemu: %v\n%s", err, out)
	}
	p := startProc(t, qemu, filepath.Join(dir, "unit.log"), bin, "-config", cfg)
	testenv.Await(t, fmt.Sprintf("%d entries from the packaged ARMv6 unit at the collector (log: %s)", people, p.log),
		3*time.Minute, func() bool { return len(cloudEntries(t, c, site, id)) >= people })
	// The package's version is the one the binary reports to the centre.
	if log, _ := os.ReadFile(p.log); !strings.Contains(string(log), "firmware=0.1+ge2e") {
		t.Errorf("the packaged unit does not report firmware 0.1+ge2e; its log:\n%s", log)
	}
}
