package collector

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the collector's configuration file (configs/cloud*.toml).
type Config struct {
	// DataDir holds all the collector's state; the database is
	// DataDir/cloud.db.
	DataDir string `toml:"data_dir"`
	// Timezone is where the checkpoints are; "today" starts at its midnight.
	Timezone string       `toml:"timezone"`
	HTTP     HTTPConfig   `toml:"http"`
	Broker   BrokerConfig `toml:"broker"`
}

// HTTPConfig is the [http] table.
type HTTPConfig struct {
	Listen string `toml:"listen"` // host:port of the API and dashboard
}

// BrokerConfig is the [broker] table.
type BrokerConfig struct {
	// Embedded runs a broker inside the collector, listening on Listen.
	// Otherwise the collector connects to the external broker at URL.
	Embedded bool   `toml:"embedded"`
	Listen   string `toml:"listen"`
	URL      string `toml:"url"`
	Username string `toml:"username"`
	Password string `toml:"password"`
	// ClientID names the collector's persistent MQTT session; keep it stable.
	ClientID string `toml:"client_id"`
}

// Default is the configuration before the file is applied; every default
// lives here.
func Default() Config {
	return Config{
		Timezone: "Asia/Shanghai",
		HTTP:     HTTPConfig{Listen: "127.0.0.1:8080"},
		Broker: BrokerConfig{Embedded: true, Listen: "127.0.0.1:1883",
			ClientID: "kakou-cloud"},
	}
}

// DatabasePath is the SQLite file inside DataDir.
func (c Config) DatabasePath() string { return filepath.Join(c.DataDir, "cloud.db") }

// Location is the loaded Timezone.
func (c Config) Location() (*time.Location, error) { return time.LoadLocation(c.Timezone) }

// Problem is one thing wrong with a configuration.
type Problem struct {
	Key    string // dotted TOML key, e.g. http.listen
	Reason string
}

// ConfigError lists every problem found, so a site manager fixes the file
// in one pass instead of one error per run.
type ConfigError struct {
	File     string
	Problems []Problem
}

func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		line := p.Key + ": " + p.Reason
		if p.Key == "" {
			line = p.Reason
		}
		if e.File != "" {
			line = e.File + ": " + line
		}
		lines[i] = line
	}
	return strings.Join(lines, "\n")
}

// LoadConfig reads path over the defaults and validates the result. Unknown
// keys are errors: a misspelt key would otherwise be silently ignored.
func LoadConfig(path string) (Config, error) {
	cfg := Default()
	md, err := toml.DecodeFile(path, &cfg)
	if err != nil {
		return Config{}, &ConfigError{File: path, Problems: []Problem{{Reason: err.Error()}}}
	}
	var problems []Problem
	for _, k := range md.Undecoded() {
		problems = append(problems, Problem{k.String(),
			"unknown key; see configs/cloud.toml for the keys there are"})
	}
	if !cfg.Broker.Embedded && md.IsDefined("broker", "listen") {
		problems = append(problems, Problem{"broker.listen",
			"only the embedded broker listens; remove it or set broker.embedded = true"})
	}
	var verr *ConfigError
	if err := cfg.Validate(); errors.As(err, &verr) {
		problems = append(problems, verr.Problems...)
	}
	if len(problems) > 0 {
		return Config{}, &ConfigError{File: path, Problems: problems}
	}
	return cfg, nil
}

// Validate reports every problem in c. It opens no files and no sockets;
// the time zone comes from the tz database the binary embeds.
func (c Config) Validate() error {
	var p []Problem
	bad := func(key, format string, args ...any) {
		p = append(p, Problem{key, fmt.Sprintf(format, args...)})
	}
	if c.DataDir == "" {
		bad("data_dir", "is required (the directory that holds the database)")
	}
	if _, err := c.Location(); err != nil || c.Timezone == "" {
		bad("timezone", "%q is not a time zone name such as \"Asia/Shanghai\"", c.Timezone)
	}
	if err := checkHostPort(c.HTTP.Listen); err != nil {
		bad("http.listen", "%q is not host:port (%v)", c.HTTP.Listen, err)
	}
	c.Broker.validate(bad)
	if len(p) > 0 {
		return &ConfigError{Problems: p}
	}
	return nil
}

func (b BrokerConfig) validate(bad func(key, format string, args ...any)) {
	if b.Embedded {
		if err := checkHostPort(b.Listen); err != nil {
			bad("broker.listen", "%q is not host:port (%v)", b.Listen, err)
		}
		if b.URL != "" {
			bad("broker.url", "is for an external broker; remove it or set broker.embedded = false")
		}
	} else if err := checkBrokerURL(b.URL); err != nil {
		bad("broker.url", "%v", err)
	}
	if b.ClientID == "" || strings.ContainsFunc(b.ClientID, func(r rune) bool { return r <= ' ' || r > '~' }) {
		bad("broker.client_id", "%q must be non-empty printable ASCII without spaces", b.ClientID)
	}
	if b.Password != "" && b.Username == "" {
		bad("broker.password", "is set without broker.username")
	}
}

func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want e.g. 127.0.0.1:8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not 0-65535", port)
	}
	return nil
}

// brokerSchemes are the URL schemes paho dials.
var brokerSchemes = map[string]bool{"tcp": true, "mqtt": true, "ssl": true, "tls": true,
	"mqtts": true, "ws": true, "wss": true}

func checkBrokerURL(raw string) error {
	if raw == "" {
		return errors.New("is required when broker.embedded = false, e.g. tcp://10.0.0.5:1883")
	}
	u, err := url.Parse(raw)
	if err != nil || !brokerSchemes[u.Scheme] || checkHostPort(u.Host) != nil {
		return fmt.Errorf("%q is not a broker URL such as tcp://10.0.0.5:1883", raw)
	}
	return nil
}
