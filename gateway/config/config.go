// Package config reads the site gateway's TOML file
// (configs/gateway-*.toml). Load collects every problem with its key, so a
// file is fixed in one pass; unknown keys are problems too, since a
// misspelt key would otherwise be silently ignored. Every default lives in
// Default. Validate does no I/O; the policy file is read by Capacity.
package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/kakou/kakou/gateway/occupancy"
)

// Config is the gateway's configuration.
type Config struct {
	Site     string `toml:"site"`     // the one site this gateway serves
	Gateway  string `toml:"gateway"`  // its own id, the "unit" of its status
	Facility string `toml:"facility"` // e.g. "supermarket"
	// DataDir holds all the gateway's state: DataDir/gateway.db.
	DataDir   string          `toml:"data_dir"`
	LAN       LAN             `toml:"lan"`
	Cloud     Cloud           `toml:"cloud"`
	Web       Web             `toml:"web"`
	Policy    Policy          `toml:"policy"`
	Occupancy OccupancyConfig `toml:"occupancy"`
	Lanes     []Lane          `toml:"lanes"`
	Managers  []Manager       `toml:"managers"` // who may sign in and correct the count; see managers.go
	Enroll    Enroll          `toml:"enroll"`   // first-start enrollment; see enroll.go
	Retention Retention       `toml:"retention"`
	Update    Update          `toml:"update"` // program updates from the centre; see update.go
}

// LAN is the [lan] table: the broker the site's units connect to.
type LAN struct {
	Listen string `toml:"listen"`
	// CertFile and KeyFile put the broker on TLS; ClientCAFile then
	// requires every unit to present a certificate from that CA (mutual
	// TLS). PEM files, read at start; see tls.go.
	CertFile     string `toml:"cert_file"`
	KeyFile      string `toml:"key_file"`
	ClientCAFile string `toml:"client_ca_file"`
}

// Cloud is the [cloud] table: the broker of the cloud collector.
type Cloud struct {
	Broker string `toml:"broker"` // tcp://host:port or ssl://host:port
	// Brokers, instead of Broker, are a clustered cloud broker's nodes
	// (brokers.go); the TLS keys apply to every one.
	Brokers  []string `toml:"brokers"`
	ClientID string   `toml:"client_id"`
	Username string   `toml:"username"`
	Password string   `toml:"password"`
	CAFile   string   `toml:"ca_file"` // verifies the broker; "" = the system's roots
	CertFile string   `toml:"cert_file"`
	KeyFile  string   `toml:"key_file"`
	// AckTimeout is how long an entry waits for the collector's ack
	// before it is sent again.
	AckTimeout Duration `toml:"ack_timeout"`
	// SubscribeQoS is the QoS of the gateway's subscriptions on the cloud
	// (acks and pushes): 1, the default, or 0 for a NATS cluster, as a
	// unit's [mqtt] subscribe_qos.
	SubscribeQoS *int `toml:"subscribe_qos"`
}

// Web is the [web] table: the occupancy API for the site's staff.
type Web struct {
	Listen string `toml:"listen"`
	// CertFile and KeyFile serve the API over HTTPS (PEM, read at start).
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
}

// Policy is the [policy] table: the site's policy file, whose
// [checks.capacity] gives the cap until the cloud pushes another.
type Policy struct {
	Path string `toml:"path"`
	// VerifyKeys are the centre's public keys (PEM files from kakou-cloud
	// policy-key), as a unit's; the gateway needs them only to check its
	// own program updates ([update]).
	VerifyKeys []string `toml:"verify_keys"`
}

// OccupancyConfig is the [occupancy] table. Capacity is refused with what
// to write instead (capacityMoved): the cap is the policy's.
type OccupancyConfig struct {
	Capacity *int `toml:"capacity"`
}

// Lane is one [[lanes]] entry: a unit's role when its own lane does not
// say it (a lane used both ways).
type Lane struct {
	Unit string         `toml:"unit"`
	Role occupancy.Role `toml:"role"`
}

// Duration reads "10s" or "500ms" from TOML.
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like \"10s\"", b)
	}
	d.Duration = v
	return nil
}

// Default is the configuration before the file is applied.
func Default() Config {
	return Config{
		Gateway:   "gateway",
		LAN:       LAN{Listen: "0.0.0.0:1883"},
		Web:       Web{Listen: "127.0.0.1:8091"},
		Cloud:     Cloud{AckTimeout: Duration{10 * time.Second}},
		Retention: Retention{Days: DefaultRetentionDays},
	}
}

// DatabasePath is the SQLite file inside DataDir.
func (c Config) DatabasePath() string { return filepath.Join(c.DataDir, "gateway.db") }

// Roles gives the [[lanes]] as the LAN server takes them.
func (c Config) Roles() map[string]occupancy.Role {
	out := map[string]occupancy.Role{}
	for _, l := range c.Lanes {
		out[l.Unit] = l.Role
	}
	return out
}

// Problem is one thing wrong with a configuration.
type Problem struct {
	Key    string // dotted TOML key, e.g. cloud.broker
	Reason string
}

// ConfigError lists every problem found, each with its key, so an installer
// fixes the file in one pass.
type ConfigError struct {
	File     string
	Problems []Problem
}

func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		line := clipReason(p.Reason)
		if p.Key != "" {
			line = p.Key + ": " + line
		}
		if e.File != "" {
			line = e.File + ": " + line
		}
		lines[i] = line
	}
	return strings.Join(lines, "\n")
}

// LoadConfig reads path over the defaults and validates the result.
func LoadConfig(path string) (Config, error) {
	cfg := Default()
	md, err := toml.DecodeFile(path, &cfg)
	if err != nil {
		return Config{}, &ConfigError{File: path, Problems: []Problem{{Reason: err.Error()}}}
	}
	var problems []Problem
	for _, k := range md.Undecoded() {
		problems = append(problems, Problem{k.String(),
			"unknown key; see configs/gateway-riverside-market.toml for the keys there are"})
	}
	if err, ok := cfg.Validate().(*ConfigError); ok && err != nil {
		problems = append(problems, err.Problems...)
	}
	if len(problems) > 0 {
		return Config{}, &ConfigError{File: path, Problems: problems}
	}
	return cfg, nil
}
