package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kakou/kakou/internal/testenv"
)

// The ARMv6 builds a rollout under qemu installs, and how they run here.

// armBuilds are the kakou-unit versions of the rollout, built once per
// test for GOARCH=arm GOARM=6 as `make cross` builds them.
type armBuilds struct {
	packaged string // 1.4.0, the /usr/bin binary the package installs
	good     string // 1.5.0
	crashing string // exits 1 at start (testdata/qemu-rollout/crashing)
	hanging  string // never says READY=1 (testdata/qemu-rollout/hanging)
	later    string // 1.9.0, the real program again (the test cuts its uplink)
}

const versionSymbol = "github.com/kakou/kakou/firmware/unit.Version"

// buildARM builds the binaries into dir. The real ones differ only in
// the version stamped in, so each after the first costs a link.
func buildARM(t *testing.T, dir string) armBuilds {
	t.Helper()
	b := armBuilds{packaged: filepath.Join(dir, "kakou-unit-1.4.0"), good: filepath.Join(dir, "kakou-unit-1.5.0"),
		crashing: filepath.Join(dir, "crashing"), hanging: filepath.Join(dir, "hanging"),
		later: filepath.Join(dir, "kakou-unit-1.9.0")}
	for _, job := range []struct{ out, pkg, version string }{
		{b.packaged, "./firmware/cmd/kakou-unit", "1.4.0"},
		{b.good, "./firmware/cmd/kakou-unit", "1.5.0"},
		{b.later, "./firmware/cmd/kakou-unit", "1.9.0"},
		{b.crashing, "./e2e/testdata/qemu-rollout/crashing", ""},
		{b.hanging, "./e2e/testdata/qemu-rollout/hanging", ""},
	} {
		args := []string{"build", "-o", job.out}
		if job.version != "" {
			args = append(args, "-ldflags", "-s -w -X "+versionSymbol+"="+job.version)
		}
		cmd := exec.Command("go", append(args, job.pkg)...)
		cmd.Dir = testenv.RepoRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm", "GOARM=6")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s for armv6: %v\n%s", job.pkg, err, out)
		}
	}
	return b
}

// armRunner is how an ARM binary starts here, such that an ARM program
// can also exec another ARM program (update.Launch): the kernel must run
// ARM ELF files itself, through binfmt_misc and qemu-arm-static, as on a
// Debian host with qemu-user-binfmt. When the host has no such handler,
// every command runs in a user and mount namespace of its own whose
// binfmt_misc has one (Linux 6.7 and later allow that without touching
// the host's). nil means the binaries run as they are.
func armRunner(t *testing.T, qemu, probe string) []string {
	t.Helper()
	if exec.Command(probe).Run() == nil {
		return nil // the host's binfmt_misc runs ARM already
	}
	unshare, ok := lookTool("unshare")
	if !ok {
		cannotRunARM(t, "no binfmt_misc handler for ARM, and no unshare (util-linux) to make one")
	}
	script := filepath.Join(t.TempDir(), "binfmt-arm.sh")
	body := fmt.Sprintf(`mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || exit 97
printf '%s' > /proc/sys/fs/binfmt_misc/register || exit 98
exec "$@"
`, `:qemu-arm:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00:`+
		`\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:`+qemu+`:F`)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	wrap := []string{unshare, "--user", "--map-root-user", "--mount", "sh", script}
	if out, err := exec.Command(wrap[0], append(wrap[1:], probe)...).CombinedOutput(); !crashed(err) {
		cannotRunARM(t, fmt.Sprintf("no binfmt_misc handler for ARM, and none can be registered in a user namespace (Linux 6.7+, user namespaces allowed): %v\n%s", err, out))
	}
	return wrap
}

// cannotRunARM skips, or fails under KAKOU_INTEGRATION=1 on a kernel
// that allows a binfmt_misc of a user namespace's own (6.7 and later), so
// that CI on such a host cannot pass by not testing. An older kernel
// without a host handler cannot run this test at all, and says so.
func cannotRunARM(t *testing.T, why string) {
	t.Helper()
	msg := "this host cannot exec ARM binaries: " + why + "; install qemu-user-binfmt (or binfmt-support with qemu-user-static)"
	if testenv.Integration() && kernelAtLeast(6, 7) {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func kernelAtLeast(major, minor int) bool {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return false
	}
	var b strings.Builder
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	var maj, min int
	fmt.Sscanf(b.String(), "%d.%d", &maj, &min)
	return maj > major || (maj == major && min >= minor)
}

func crashed(err error) bool {
	ee, ok := err.(*exec.ExitError)
	return ok && ee.ExitCode() == 1
}

func lookTool(name string) (string, bool) {
	p, err := exec.LookPath(name)
	return p, err == nil
}

// release puts a binary where the collector's [updates] dir serves it:
// <dir>/kakou-unit/<version>/armv6/kakou-unit.
func release(t *testing.T, dir, version, bin string) {
	t.Helper()
	to := filepath.Join(dir, "kakou-unit", version, "armv6")
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(to, "kakou-unit"), b, 0o755); err != nil {
		t.Fatal(err)
	}
}
