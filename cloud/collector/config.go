package collector

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
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
	Store    StoreConfig  `toml:"store"`
	Report   ReportConfig `toml:"report"`
	// PoliciesDir holds the policy profiles the centre can push
	// (configs/policies); empty disables policy push.
	PoliciesDir string          `toml:"policies_dir"`
	Policy      PolicyConfig    `toml:"policy"` // signing of pushes; see config_policy.go
	Sites       []SiteConfig    `toml:"sites"`
	RegionList  []RegionConfig  `toml:"regions"` // the tree sites lie in; see config_regions.go
	Tokens      []TokenConfig   `toml:"api_tokens"`
	Auth        AuthConfig      `toml:"auth"`      // dashboard logins; see config_auth.go
	Users       []UserConfig    `toml:"users"`     // the people who log in
	Privacy     PrivacyConfig   `toml:"privacy"`   // visitors' numbers; see privacy.go
	Retention   RetentionConfig `toml:"retention"` // how long entries are kept
	// Named reports and their delivery; see config_reports.go.
	Reports    []ReportDef       `toml:"reports"`
	Recipients []RecipientConfig `toml:"report_recipients"`
	Delivery   DeliveryConfig    `toml:"report_delivery"`
	Alerts     AlertsConfig      `toml:"alerts"` // the units' state alerts; see config_notify.go
	Notify     NotifyConfig      `toml:"notify"` // where alerts are sent
	// Returnees are the schedules returnees join the roster with, by
	// origin; see config_returnees.go.
	Returnees []ReturneeRule `toml:"returnees"`
	Trust     TrustConfig    `toml:"trust"`   // the trust list's first-start seed; see config_trust.go
	Updates   UpdatesConfig  `toml:"updates"` // program binaries for devices; see updates.go
	Venue     VenueConfig    `toml:"venue"`   // the venue code's page; see config_venue.go
}

// StoreConfig is the [store] table: SQLite in DataDir, or PostgreSQL when
// several collectors share the load.
type StoreConfig struct {
	Driver string `toml:"driver"` // "sqlite" or "postgres"
	// DSN is the PostgreSQL connection string; the environment variable
	// KAKOU_PG_DSN overrides it, so a password need not sit in the file.
	DSN string `toml:"dsn"`
}

// ReportConfig is the [report] table.
type ReportConfig struct {
	// Cut is the local time the daily report (日报) closes, "16:00" unless
	// set: each report covers the 24 hours before it.
	Cut string `toml:"cut"`
}

// SiteConfig is one [[sites]] entry: what the centre knows of a site that
// its units do not say.
type SiteConfig struct {
	ID       string `toml:"id"`
	Name     string `toml:"name"`
	Facility string `toml:"facility"`
	// Capacity is refused with where the cap lives now (the policy's
	// [checks.capacity]); read only to say so.
	Capacity int    `toml:"capacity"`
	Region   string `toml:"region"` // the [[regions]] id it lies in; "" for none
}

// TokenConfig is one [[api_tokens]] entry: a bearer token for the API and
// the user and role it stands for (monitor or tracer).
type TokenConfig struct {
	Token string `toml:"token"`
	User  string `toml:"user"`
	Role  string `toml:"role"`
	// Region limits a monitor or tracer to the sites in one [[regions]]
	// entry, at any depth; "" is every site.
	Region string `toml:"region"`
}

// HTTPConfig is the [http] table.
type HTTPConfig struct {
	Listen string    `toml:"listen"` // host:port of the API and dashboard
	TLS    TLSConfig `toml:"tls"`    // HTTPS when set; see config_tls.go
}

// BrokerConfig is the [broker] table.
type BrokerConfig struct {
	// Embedded runs a broker inside the collector, listening on Listen.
	// Otherwise the collector connects to the external broker at URL.
	Embedded bool   `toml:"embedded"`
	Listen   string `toml:"listen"`
	URL      string `toml:"url"`
	// URLs, instead of URL, are a clustered broker's nodes; the collector
	// fails over from one to the next (config_jetstream.go).
	URLs     []string `toml:"urls"`
	Username string   `toml:"username"`
	Password string   `toml:"password"`
	// ClientID names the collector's persistent MQTT session; keep it stable.
	ClientID string `toml:"client_id"`
	// SharedGroup, when set, subscribes to entries as a member of the MQTT
	// shared subscription $share/<group>/..., so several collectors on one
	// external broker split the units' entries between them.
	SharedGroup string `toml:"shared_group"`
	// Auth is "open" (the demo: anyone on the network may connect) or
	// "devices": only enrolled devices, each on its own topics, and the
	// collector itself (embedded broker only; see config_devices.go).
	Auth string `toml:"auth"`
	// TLS: the embedded broker's certificate (and client CA for mutual
	// TLS), or what the collector trusts and presents to an external one.
	TLS TLSConfig `toml:"tls"`
	// JetStream takes entries from a NATS cluster (config_jetstream.go).
	JetStream JetStreamConfig `toml:"jetstream"`
}

// Default is the configuration before the file is applied; every default
// lives here.
func Default() Config {
	return Config{
		Timezone: "Asia/Shanghai",
		HTTP:     HTTPConfig{Listen: "127.0.0.1:8080"},
		Broker: BrokerConfig{Embedded: true, Listen: "127.0.0.1:1883",
			ClientID: "kakou-cloud", JetStream: defaultJetStream()},
		Store:     StoreConfig{Driver: "sqlite"},
		Report:    ReportConfig{Cut: "16:00"},
		Auth:      defaultAuth(),
		Retention: RetentionConfig{Days: defaultRetentionDays},
		Alerts:    defaultAlerts(),
		Notify:    defaultNotify(),
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
		line := p.Key + ": " + clipReason(p.Reason)
		if p.Key == "" {
			line = clipReason(p.Reason)
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
	if md.IsDefined("report", "cut") && slices.ContainsFunc(cfg.Reports, func(r ReportDef) bool { return r.ID == "daily" }) {
		problems = append(problems, Problem{"report.cut",
			`the daily report is defined in [[reports]] id = "daily"; set its cut there and remove [report] cut`})
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
	c.validateTLS(bad)
	c.Store.validate(bad)
	if _, _, err := c.Report.CutAt(); err != nil {
		bad("report.cut", "%q: %v", c.Report.Cut, err)
	}
	c.validateSites(bad)
	c.validateRegions(bad)
	c.validateTokens(bad)
	c.validatePrivacy(bad)
	c.validatePolicy(bad)
	c.validateVenue(bad) // config_venue.go
	c.validateAuth(bad)
	c.validateReports(bad) // config_reports.go
	c.validateNotify(bad)
	c.validateReturnees(bad)
	c.validateTrust(bad)   // config_trust.go
	c.validateUpdates(bad) // rollouts.go
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
	}
	b.validateURLs(bad)
	b.validateJetStream(bad)
	if b.ClientID == "" || strings.ContainsFunc(b.ClientID, func(r rune) bool { return r <= ' ' || r > '~' }) {
		bad("broker.client_id", "%q must be non-empty printable ASCII without spaces", b.ClientID)
	}
	if b.Password != "" && b.Username == "" {
		bad("broker.password", "is set without broker.username")
	}
	b.validateAuth(bad)
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
