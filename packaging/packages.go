package packaging

import (
	"fmt"
	"slices"
)

// Arch is a Debian architecture and how Go builds for it.
type Arch struct {
	Debian string // dpkg's name: armhf, arm64, amd64, all
	GOARCH string
	GOARM  string // "6": Raspberry Pi OS 32-bit runs on every Pi, the Zero and 1 are ARMv6
}

// The architectures a package may be built for.
var (
	Armhf = Arch{Debian: "armhf", GOARCH: "arm", GOARM: "6"}
	Arm64 = Arch{Debian: "arm64", GOARCH: "arm64"}
	Amd64 = Arch{Debian: "amd64", GOARCH: "amd64"}
	All   = Arch{Debian: "all"}
)

// Spec describes one package. A program's package carries its binary, its
// config and its service; kakou-policies carries only files.
type Spec struct {
	Name        string
	Program     string // the main package to build, "" for none
	Config      string // the example under the repository copied to /etc/kakou/<ConfigName>
	ConfigName  string
	Archs       []Arch
	Summary     string
	Description string   // the long description, one paragraph
	Depends     []string // beyond what every program needs
	Suggests    []string
	Groups      string // SupplementaryGroups the service needs, created if missing
	StateSub    string // the program's subdirectory of /var/lib/kakou, "" for its top
	Setup       bool   // the program has a first-boot `setup` command to point at
}

// programDepends is what every program's maintainer scripts call: adduser
// for the service user, init-system-helpers for deb-systemd-helper.
var programDepends = []string{"adduser", "init-system-helpers (>= 1.58)"}

// Specs are the packages `make packages` builds. The cloud runs in a data
// centre or on an arm64 board, never on a 32-bit Pi.
var Specs = []Spec{
	{
		Name: "kakou-unit", Program: "./firmware/cmd/kakou-unit",
		Config: "configs/production/unit.toml", ConfigName: "unit.toml",
		Archs:   []Arch{Armhf, Arm64, Amd64},
		Summary: "Kakou checkpoint unit (temperature, health code, gate)",
		Description: "The program on a checkpoint's Raspberry Pi: it reads the IR thermometer " +
			"over I2C and the QR scanner over serial, decides by the screening policy, " +
			"drives the gate, keeps a ledger and sends it to the centre.",
		Depends: []string{"kakou-policies"},
		Groups:  "i2c dialout gpio",
		Setup:   true,
	},
	{
		Name: "kakou-gateway", Program: "./gateway/cmd/kakou-gateway",
		Config: "configs/production/gateway.toml", ConfigName: "gateway.toml",
		Archs:   []Arch{Armhf, Arm64, Amd64},
		Summary: "Kakou site gateway (LAN broker, occupancy, store-and-forward)",
		Description: "The optional gateway of a site: the units' MQTT broker on the LAN, " +
			"occupancy and grants across the site's lanes, and a store-and-forward " +
			"bridge to the centre.",
		Depends:  []string{"kakou-policies"},
		StateSub: "gateway",
		Setup:    true,
	},
	{
		Name: "kakou-cloud", Program: "./cloud/cmd/kakou-cloud",
		Config: "configs/production/cloud.toml", ConfigName: "cloud.toml",
		Archs:   []Arch{Amd64, Arm64},
		Summary: "Kakou collector (broker, ingest, store, dashboard)",
		Description: "The centre: the units' broker, ingest into SQLite or PostgreSQL, " +
			"rollups, alerts and daily reports, the dashboard and the fleet's " +
			"signed policies.",
		Depends:  []string{"kakou-policies", "tzdata"},
		Suggests: []string{"postgresql", "mosquitto"},
		StateSub: "cloud",
	},
	{
		Name:    "kakou-policies",
		Archs:   []Arch{All},
		Summary: "Kakou screening policy profiles",
		Description: "The screening profiles the unit, the gateway and the collector read " +
			"from /etc/kakou/policies: normal, closed management, outbreak, Class B " +
			"and per facility type.",
	},
}

// Lookup returns the spec named name.
func Lookup(name string) (Spec, error) {
	i := slices.IndexFunc(Specs, func(s Spec) bool { return s.Name == name })
	if i < 0 {
		return Spec{}, fmt.Errorf("packaging: no package %q (want one of kakou-unit, kakou-gateway, kakou-cloud, kakou-policies)", name)
	}
	return Specs[i], nil
}

// FileName is the conventional name of the package for arch.
func (s Spec) FileName(version string, a Arch) string {
	return fmt.Sprintf("%s_%s_%s.deb", s.Name, version, a.Debian)
}
