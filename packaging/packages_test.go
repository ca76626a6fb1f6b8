package packaging

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/internal/testenv"
)

const testVersion = "0.1+gtest"

var (
	buildOnce sync.Once
	builtDir  string
	buildErr  error
)

// built builds every package once per test run into a temporary folder,
// with the options `make packages` uses. Building nine packages takes
// minutes, so the tests that need them skip under -short.
func built(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("building the packages is skipped under -short")
	}
	testenv.Need(t, "dpkg-deb")
	buildOnce.Do(func() {
		builtDir, buildErr = os.MkdirTemp("", "kakou-debs-")
		if buildErr != nil {
			return
		}
		_, buildErr = Build(context.Background(), Options{
			Root: testenv.RepoRoot(t), Out: builtDir, Version: testVersion,
			Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		})
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtDir
}

func dpkgDeb(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestEveryPackageIsBuiltForItsArchitecturesWithItsFields(t *testing.T) {
	dir := built(t)
	for _, s := range Specs {
		for _, a := range s.Archs {
			deb := filepath.Join(dir, s.FileName(testVersion, a))
			fields := map[string]string{
				"Package": s.Name, "Version": testVersion, "Architecture": a.Debian,
				"Maintainer": Maintainer,
			}
			for field, want := range fields {
				if got := strings.TrimSpace(dpkgDeb(t, "-f", deb, field)); got != want {
					t.Errorf("%s: %s = %q, want %q", filepath.Base(deb), field, got, want)
				}
			}
			depends := dpkgDeb(t, "-f", deb, "Depends")
			want := s.Depends
			if s.Program != "" {
				want = append(append([]string{}, programDepends...), s.Depends...)
			}
			for _, d := range want {
				if !strings.Contains(depends, d) {
					t.Errorf("%s: Depends %q lacks %q", filepath.Base(deb), strings.TrimSpace(depends), d)
				}
			}
		}
	}
}

func TestProgramPackagesHoldBinaryConffileServiceAndScripts(t *testing.T) {
	dir := built(t)
	for _, s := range Specs {
		if s.Program == "" {
			continue
		}
		deb := filepath.Join(dir, s.FileName(testVersion, s.Archs[0]))
		contents := dpkgDeb(t, "-c", deb)
		for _, want := range []string{
			"-rwxr-xr-x root/root .* ./usr/bin/" + s.Name + "\n",
			"-rw-r--r-- root/root .* ./etc/kakou/" + s.ConfigName + "\n",
			"-rw-r--r-- root/root .* ./lib/systemd/system/" + s.Name + ".service\n",
			// the pristine copy first-boot setup compares the conffile with
			"-rw-r--r-- root/root .* ./usr/share/kakou/examples/" + s.ConfigName + "\n",
			"./usr/share/doc/" + s.Name + "/copyright\n",
			"./usr/share/doc/" + s.Name + "/changelog.gz\n",
		} {
			if !matches(contents, want) {
				t.Errorf("%s holds no line like %q:\n%s", filepath.Base(deb), want, contents)
			}
		}
		if got := dpkgDeb(t, "-I", deb, "conffiles"); strings.TrimSpace(got) != "/etc/kakou/"+s.ConfigName {
			t.Errorf("%s conffiles = %q, want only /etc/kakou/%s", filepath.Base(deb), got, s.ConfigName)
		}
		for _, script := range []string{"postinst", "prerm", "postrm"} {
			body := dpkgDeb(t, "-I", deb, script)
			if !strings.HasPrefix(body, "#!/bin/sh\n") || !strings.Contains(body, "set -e") {
				t.Errorf("%s %s is not a set -e shell script:\n%s", filepath.Base(deb), script, body)
			}
		}
	}
}

func TestPoliciesPackageShipsEveryProfileAsAConffile(t *testing.T) {
	dir := built(t)
	deb := filepath.Join(dir, Specs[len(Specs)-1].FileName(testVersion, All))
	profiles, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "configs", "policies", "*.toml"))
	conffiles := dpkgDeb(t, "-I", deb, "conffiles")
	for _, p := range profiles {
		if !strings.Contains(conffiles, "/etc/kakou/policies/"+filepath.Base(p)+"\n") {
			t.Errorf("kakou-policies does not ship %s as a conffile:\n%s", filepath.Base(p), conffiles)
		}
	}
	if len(profiles) == 0 {
		t.Fatal("no profiles in configs/policies")
	}
}

// matches reports whether some line of text matches pattern: its part
// before ".*" starts the line and its part after ends it; with no ".*" the
// pattern ends the line.
func matches(text, pattern string) bool {
	head, tail, _ := strings.Cut(pattern, ".*")
	if !strings.Contains(pattern, ".*") {
		head, tail = "", pattern
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		if strings.HasPrefix(line, head) && strings.HasSuffix(line, tail) {
			return true
		}
	}
	return false
}

func TestLintianFindsNoErrors(t *testing.T) {
	dir := built(t)
	lintian := testenv.Need(t, "lintian")
	debs, _ := filepath.Glob(filepath.Join(dir, "*.deb"))
	out, _ := exec.Command(lintian, append([]string{"--no-cfg", "--allow-root"}, debs...)...).CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "E: "):
			t.Errorf("lintian: %s", line)
		case strings.HasPrefix(line, "W: "):
			t.Logf("lintian: %s", line)
		}
	}
}

// installedRoot is s's amd64 package unpacked into a temporary root,
// beside the host's targets, slices and sockets the service is ordered
// against: the service as systemd would find it.
func installedRoot(t *testing.T, dir string, s Spec) string {
	t.Helper()
	root := t.TempDir()
	dpkgDeb(t, "-x", filepath.Join(dir, s.FileName(testVersion, Amd64)), root)
	units := filepath.Join(root, "lib", "systemd", "system")
	for _, pattern := range []string{"*.target", "*.slice", "*.socket"} {
		host, _ := filepath.Glob(filepath.Join("/lib/systemd/system", pattern))
		for _, h := range host {
			if b, err := os.ReadFile(h); err == nil {
				os.WriteFile(filepath.Join(units, filepath.Base(h)), b, 0o644)
			}
		}
	}
	return root
}

// TestServiceFilesPassSystemdAnalyzeVerify verifies each service as
// installed. Any output is a finding: systemd-analyze exits 0 on an
// unknown key or a bad value and only says so.
func TestServiceFilesPassSystemdAnalyzeVerify(t *testing.T) {
	dir := built(t)
	analyze := testenv.Need(t, "systemd-analyze")
	for _, s := range Specs {
		if s.Program == "" {
			continue
		}
		root := installedRoot(t, dir, s)
		out, err := exec.Command(analyze, "verify", "--root="+root, s.Name+".service").CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", s.Name, err, out)
		}
	}
}

// exposure is the most systemd-analyze security may score each service, in
// its tenths (0 safe, 100 exposed). The unit scores 1.9: it needs its
// devices, its groups and /sys for the gate pins; the others score 1.5.
var exposure = map[string]string{"kakou-unit": "20", "kakou-gateway": "16", "kakou-cloud": "16"}

func TestServicesStayWithinTheirSecurityExposure(t *testing.T) {
	dir := built(t)
	analyze := testenv.Need(t, "systemd-analyze")
	for _, s := range Specs {
		if s.Program == "" {
			continue
		}
		root := installedRoot(t, dir, s)
		out, err := exec.Command(analyze, "security", "--offline=true", "--threshold="+exposure[s.Name],
			"--root="+root, s.Name+".service").CombinedOutput()
		if err != nil {
			t.Errorf("%s.service is more exposed than %s tenths: %v\n%s", s.Name, exposure[s.Name], err, out)
		}
	}
}
