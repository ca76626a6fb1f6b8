package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// natsModule is the real NATS server go.mod pins as a tool; `make
// nats-server` builds it into bin/.
const natsModule = "github.com/nats-io/nats-server/v2"

// NATSServer returns the path of bin/nats-server, building it there when
// it is missing. A short run (-short) skips rather than spend the build
// (a minute or two on CI's cores), unless KAKOU_INTEGRATION=1 asks for
// every test; a build that fails skips, or fails under
// KAKOU_INTEGRATION=1. Only Go is needed: nothing comes from apt.
func NATSServer(t testing.TB) string {
	t.Helper()
	root := RepoRoot(t)
	bin := filepath.Join(root, "bin", "nats-server")
	if fi, err := os.Stat(bin); err == nil && fi.Mode()&0o111 != 0 {
		return bin
	}
	if testing.Short() && !Integration() {
		t.Skip("bin/nats-server is missing and -short skips building it: run make nats-server")
	}
	// Built beside and renamed, so two test packages building at once
	// never run a half-written binary.
	tmp, err := os.MkdirTemp(filepath.Join(root, "bin"), ".nats-server-")
	if os.IsNotExist(err) {
		if err = os.MkdirAll(filepath.Join(root, "bin"), 0o755); err == nil {
			tmp, err = os.MkdirTemp(filepath.Join(root, "bin"), ".nats-server-")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "build", "-o", filepath.Join(tmp, "nats-server"), natsModule)
	cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		if Integration() {
			t.Fatalf("building %s for bin/nats-server: %v\n%s", natsModule, err, out)
		}
		t.Skipf("cannot build %s (%v); KAKOU_INTEGRATION=1 makes this a failure\n%s", natsModule, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, "nats-server"), bin); err != nil {
		t.Fatal(err)
	}
	return bin
}
