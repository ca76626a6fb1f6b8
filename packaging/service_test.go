package packaging

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The directives the appliance depends on, per service: a hung main loop is
// restarted (READY and WATCHDOG: firmware/sdnotify), the service user and state, and the
// hardening. A drift in any of them should fail here before a Pi finds it.
func TestServicesDeclareNotifyWatchdogRestartUserAndHardening(t *testing.T) {
	common := []string{
		"Type=notify", "NotifyAccess=main", "Restart=always", "RestartSec=2s",
		"User=kakou", "StateDirectory=kakou", "ConfigurationDirectory=kakou",
		"ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
		"DevicePolicy=closed", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
		"CapabilityBoundingSet=", "WantedBy=multi-user.target",
	}
	for _, s := range Specs {
		if s.Program == "" {
			continue
		}
		lines := serviceLines(t, s)
		// A lane's loop beats every second; the gateway's and the
		// collector's checks dial their listeners and read the store.
		watchdog := map[string]string{"kakou-unit": "30s"}[s.Name]
		if watchdog == "" {
			watchdog = "60s"
		}
		want := append([]string{"ExecStart=/usr/bin/" + s.Name + " -config /etc/kakou/" + s.ConfigName,
			"WatchdogSec=" + watchdog}, common...)
		if s.Groups != "" {
			want = append(want, "SupplementaryGroups="+s.Groups)
		}
		if s.Name == "kakou-unit" { // program updates (firmware/update): the packaged binary guards each start
			want = append(want, "ExecStartPre=-/usr/bin/kakou-unit update-guard -config /etc/kakou/unit.toml")
		}
		if s.Name == "kakou-gateway" { // the gateway's own updates, guarded the same way
			want = append(want, "ExecStartPre=-/usr/bin/kakou-gateway update-guard -config /etc/kakou/gateway.toml")
		}
		for _, w := range want {
			if !lines[w] {
				t.Errorf("%s.service lacks %q", s.Name, w)
			}
		}
	}
}

// The unit must still reach its thermometer, scanner and gate: PrivateDevices
// would hide them, and each device class needs its DeviceAllow.
func TestUnitServiceAllowsI2CSerialAndGPIOButNoPrivateDevices(t *testing.T) {
	s, _ := Lookup("kakou-unit")
	lines := serviceLines(t, s)
	if lines["PrivateDevices=yes"] {
		t.Error("kakou-unit.service sets PrivateDevices=yes: /dev/i2c-* and the serial ports would vanish")
	}
	for _, class := range []string{"char-i2c", "char-ttyUSB", "char-ttyACM", "char-ttyS", "char-ttyAMA", "char-gpiochip", "/dev/gpiomem"} {
		if !lines["DeviceAllow="+class+" rw"] {
			t.Errorf("kakou-unit.service lacks DeviceAllow=%s rw", class)
		}
	}
	for _, name := range []string{"kakou-gateway", "kakou-cloud"} {
		s, _ := Lookup(name)
		if !serviceLines(t, s)["PrivateDevices=yes"] {
			t.Errorf("%s.service touches no hardware but lacks PrivateDevices=yes", name)
		}
	}
}

func serviceLines(t *testing.T, s Spec) map[string]bool {
	t.Helper()
	b, err := debian.ReadFile("debian/" + s.Name + ".service")
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	return lines
}

func TestBuildRefusesAVersionDebianWouldNotAccept(t *testing.T) {
	for _, v := range []string{"", "v1.2.3", "3907eb2-dirty", "1.0 beta", "1:2.0", strings.Repeat("9", 10) + "/x"} {
		_, err := Build(context.Background(), Options{Root: "..", Out: t.TempDir(), Version: v})
		if err == nil || !strings.Contains(err.Error(), "not a Debian version") {
			t.Errorf("version %q: err = %v, want one saying it is not a Debian version", v, err)
		}
	}
}

func TestBuildRefusesAnUnknownPackageNamingTheKnownOnes(t *testing.T) {
	_, err := Build(context.Background(), Options{Root: "..", Out: t.TempDir(), Version: "1.0", Packages: []string{"kakou-unti"}})
	if err == nil || !strings.Contains(err.Error(), "kakou-unit, kakou-gateway") {
		t.Errorf("err = %v, want one naming the packages there are", err)
	}
}

func TestPostinstStartsOnlyAValidConfigAndGuardsForAChroot(t *testing.T) {
	s, _ := Lookup("kakou-unit")
	path, err := render("postinst.tmpl", t.TempDir(), s, Options{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	b := string(raw)
	for _, want := range []string{
		"adduser --system --group",
		`for group in i2c dialout gpio; do`,
		"if [ -d /run/systemd/system ]; then",
		"if kakou-unit -config /etc/kakou/unit.toml -check-config",
		"deb-systemd-invoke restart kakou-unit.service",
		"(or run kakou-unit setup)",
	} {
		if !strings.Contains(b, want) {
			t.Errorf("postinst lacks %q:\n%s", want, b)
		}
	}
	if strings.Index(b, "if [ -d /run/systemd/system ]") > strings.Index(b, "deb-systemd-invoke restart") {
		t.Error("postinst restarts the service before checking systemd runs (a chroot has none)")
	}
}

// Build stamps the versions the Makefile's LDFLAGS stamp; makefile_test.go
// checks those name real variables.
func TestBuildStampsTheSameVersionSymbolsAsTheMakefile(t *testing.T) {
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	var ldflags string
	for _, l := range strings.Split(string(mk), "\n") {
		if strings.HasPrefix(l, "LDFLAGS") {
			ldflags = l
		}
	}
	for _, sym := range versionSymbols {
		if !strings.Contains(ldflags, "-X "+sym+"=") {
			t.Errorf("Build stamps %s, which the Makefile's LDFLAGS do not: %s", sym, ldflags)
		}
	}
	if n := strings.Count(ldflags, "-X "); n != len(versionSymbols) {
		t.Errorf("the Makefile stamps %d symbols, Build %d: keep packaging.versionSymbols in step", n, len(versionSymbols))
	}
}
