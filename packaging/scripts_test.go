package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runScript runs the rendered maintainer script name of s with args, with
// every command it calls replaced by a stub that logs its arguments; the
// stubs named in fail exit 1, getent always does (no user, no group yet).
// It returns the log, one call a line.
func runScript(t *testing.T, s Spec, name string, fail []string, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	script, err := render(name, dir, s, Options{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	stubs, log := filepath.Join(dir, "stubs"), filepath.Join(dir, "calls.log")
	os.Mkdir(stubs, 0o755)
	for _, cmd := range []string{"adduser", "addgroup", "deluser", "getent", "deb-systemd-helper", "deb-systemd-invoke",
		"systemctl", "dpkg-statoverride", "chgrp", "chmod", "rm", "rmdir", "find", s.Name} {
		code := "0"
		if cmd == "getent" || strings.Contains(" "+strings.Join(fail, " ")+" ", " "+cmd+" ") {
			code = "1"
		}
		body := "#!/bin/sh\necho \"" + cmd + " $*\" >> " + log + "\nexit " + code + "\n"
		if err := os.WriteFile(filepath.Join(stubs, cmd), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("/bin/sh", append([]string{script}, args...)...)
	cmd.Env = []string{"PATH=" + stubs}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	b, _ := os.ReadFile(log)
	return string(b)
}

func TestPostinstCreatesTheUserAndMissingGroupsAndEnablesTheService(t *testing.T) {
	s, _ := Lookup("kakou-unit")
	calls := runScript(t, s, "postinst.tmpl", nil, "configure")
	for _, want := range []string{
		"adduser --system --group --quiet --home /var/lib/kakou --no-create-home --gecos Kakou checkpoint service kakou\n",
		"addgroup --system --quiet i2c\n", "addgroup --system --quiet dialout\n", "addgroup --system --quiet gpio\n",
		"deb-systemd-helper enable kakou-unit.service\n",
	} {
		if !strings.Contains(calls, want) {
			t.Errorf("postinst configure did not call %q; calls:\n%s", want, calls)
		}
	}
	gw, _ := Lookup("kakou-gateway")
	if calls := runScript(t, gw, "postinst.tmpl", nil, "configure"); strings.Contains(calls, "addgroup") {
		t.Errorf("the gateway needs no hardware groups, but postinst made some:\n%s", calls)
	}
}

// An SD-card image is built in a chroot, where no systemd runs: the
// service is enabled for the first boot, and nothing is started or
// reloaded. Where systemd runs, an invalid config keeps it stopped.
func TestPostinstStartsNothingWithoutARunningSystemdOrWithABadConfig(t *testing.T) {
	s, _ := Lookup("kakou-unit")
	calls := runScript(t, s, "postinst.tmpl", []string{s.Name}, "configure")
	_, err := os.Stat("/run/systemd/system")
	running := err == nil
	if !running && (strings.Contains(calls, "systemctl") || strings.Contains(calls, "deb-systemd-invoke")) {
		t.Errorf("no systemd runs here, yet postinst called it:\n%s", calls)
	}
	if running && strings.Contains(calls, "deb-systemd-invoke restart") {
		t.Errorf("the config fails -check-config, yet postinst restarted the service:\n%s", calls)
	}
}

func TestPrermStopsTheServiceOnlyOnRemoval(t *testing.T) {
	s, _ := Lookup("kakou-unit")
	if calls := runScript(t, s, "prerm.tmpl", nil, "upgrade", "1.1"); calls != "" {
		t.Errorf("prerm upgrade called %q; an upgrade restarts from postinst instead", calls)
	}
}

// Removing keeps a unit's ledger for a reinstall; purging deletes the
// program's own data, never another program's.
func TestPostrmDeletesOnlyItsOwnDataAndOnlyOnPurge(t *testing.T) {
	gw, _ := Lookup("kakou-gateway")
	if calls := runScript(t, gw, "postrm.tmpl", nil, "remove"); strings.Contains(calls, "rm ") {
		t.Errorf("postrm remove deleted data:\n%s", calls)
	}
	calls := runScript(t, gw, "postrm.tmpl", nil, "purge")
	for _, want := range []string{"rm -rf /var/lib/kakou/gateway\n", "deb-systemd-helper purge kakou-gateway.service\n"} {
		if !strings.Contains(calls, want) {
			t.Errorf("postrm purge did not call %q; calls:\n%s", want, calls)
		}
	}
	if strings.Contains(calls, "rm -rf /var/lib/kakou\n") {
		t.Errorf("purging the gateway deleted all of /var/lib/kakou:\n%s", calls)
	}
	b, _ := debian.ReadFile("debian/postrm.tmpl")
	if !strings.Contains(string(b), "! -name gateway ! -name cloud") {
		t.Error("the unit's purge no longer spares the gateway's and the collector's data")
	}
}
