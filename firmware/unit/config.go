package unit

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/kakou/kakou/drivers/mlx90614"
	"github.com/kakou/kakou/drivers/qrscan"
	"github.com/kakou/kakou/drivers/serialscanner"
	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/console"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/uplink"
	"github.com/kakou/kakou/firmware/wire"
)

// Config is a unit's configuration file (TOML). Every key is documented in
// configs/unit-*.toml.
type Config struct {
	Site     string    `toml:"site"`
	Unit     string    `toml:"unit"`
	Facility string    `toml:"facility"`
	Lane     wire.Lane `toml:"lane"`
	// SiteName and UnitName are what people call the site and this gate
	// (阳光花园小区, 北门): the console's header and the unit's status show
	// them; without them, the ids.
	SiteName string `toml:"site_name"`
	UnitName string `toml:"unit_name"`
	// DataDir holds all of the unit's state. A relative path is taken from
	// the working directory, as the demo does; installs use an absolute one.
	DataDir string `toml:"data_dir"`
	// TrustClock says the board has a battery-backed RTC, so its time is
	// good even before NTP syncs.
	TrustClock  bool              `toml:"trust_clock"`
	MQTT        MQTTConfig        `toml:"mqtt"`
	Ledger      LedgerConfig      `toml:"ledger"`
	Policy      PolicyConfig      `toml:"policy"`
	Credentials CredentialsConfig `toml:"credentials"`
	Thermometer ThermometerConfig `toml:"thermometer"`
	Scanner     ScannerConfig     `toml:"scanner"`
	Simulator   SimulatorConfig   `toml:"simulator"`
	Console     ConsoleConfig     `toml:"console"`
	Gate        GateConfig        `toml:"gate"`
	Display     DisplayConfig     `toml:"display"`
	Flow        FlowConfig        `toml:"flow"`
	Enroll      EnrollConfig      `toml:"enroll"` // first-start enrollment; see enroll.go
	Privacy     PrivacyConfig     `toml:"privacy"`
	Visits      VisitsConfig      `toml:"visits"`  // config_visits.go
	Printer     PrinterConfig     `toml:"printer"` // config_visits.go
	// LaneKind is "vehicle" for a vehicle lane (车辆通道) and ANPR its
	// number-plate camera; see vehicle.go.
	LaneKind string       `toml:"lane_kind"`
	ANPR     ANPRConfig   `toml:"anpr"`
	IDCard   IDCardConfig `toml:"idcard"` // config_idcard.go
	Update   UpdateConfig `toml:"update"` // config_update.go
	// BeatEvery is how often the idle screening loop proves progress to
	// systemd's watchdog (systemd.go); set by the program from
	// WATCHDOG_USEC, never by the file. Zero: screening's default.
	BeatEvery time.Duration `toml:"-"`
}

// FlowConfig shapes flow limiting (限流) on an entrance lane behind a site
// gateway: a person told to wait is held at the gate until the gateway
// grants a place, the guard lets them go, or HoldTimeout passes.
type FlowConfig struct {
	HoldTimeout Duration `toml:"hold_timeout"`
	// AwaitGateway says the lane is behind a site gateway: until the
	// gateway's first flow arrives (or one saved by an earlier run is
	// restored) nobody is admitted. Otherwise a new entrance would let
	// people in freely in the moments before its first grant, and two
	// doors starting together could pass the cap.
	AwaitGateway bool `toml:"await_gateway"`
}

// ConsoleConfig says where the guard's web console listens: loopback for
// the Pi's own touchscreen, the LAN address for a guard's phone.
type ConsoleConfig struct {
	Listen string `toml:"listen"` // "off" disables it
	// CertFile and KeyFile serve the console over HTTPS (PEM files, read
	// at start); see console_tls.go for when that is needed.
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
	// StaleAfter greys a result out on the guard's screen once it is
	// this old (console.DefaultStaleAfter when unset).
	StaleAfter Duration `toml:"stale_after"`
	// Voice has the page speak each result in Chinese (请通过, 请复测, ...)
	// from the clips shipped with it, after its tones.
	Voice bool `toml:"voice"`
	// AllowPlainHTTP lets the console listen on a LAN address without
	// TLS: a bench or a closed network only; see console_tls.go.
	AllowPlainHTTP bool `toml:"allow_plain_http"`
	// GuardsFile is a local roster (TOML, see guards_file.go) for a unit
	// with no centre; a roster the centre pushes replaces it.
	GuardsFile string `toml:"guards_file"`
	// SessionIdle signs a guard out after this long without a sign-in or
	// an action at the console: a shift's length.
	SessionIdle Duration `toml:"session_idle"`
}

// MQTTConfig says where entries go: the cloud's broker or a site gateway.
type MQTTConfig struct {
	Broker string `toml:"broker"`
	// Brokers, instead of Broker, are the nodes of a clustered broker
	// (config_brokers.go); the TLS keys apply to every one.
	Brokers  []string `toml:"brokers"`
	ClientID string   `toml:"client_id"`
	Username string   `toml:"username"`
	Password string   `toml:"password"`
	// PEM files for a TLS broker URL, read when the unit starts.
	CAFile   string `toml:"ca_file"`   // verifies the broker; "" = the system's roots
	CertFile string `toml:"cert_file"` // the unit's own certificate, with key_file
	KeyFile  string `toml:"key_file"`
	// BacklogRate paces the backlog after an outage, entries per second;
	// 0 = as fast as the link allows. Live entries are never held back.
	BacklogRate int      `toml:"backlog_rate"`
	Heartbeat   Duration `toml:"heartbeat"` // status republished this often
	// AckTimeout is how long the unit waits for the collector's ack before
	// it sends the unacknowledged entries again (default 30s).
	AckTimeout Duration `toml:"ack_timeout"`
	// SubscribeQoS is the QoS of the unit's subscriptions (acks and
	// pushes): 1, the default, or 0 for a NATS cluster
	// (delivery.Config.SubscribeQoS0 says why).
	SubscribeQoS *int `toml:"subscribe_qos"`
}

// tlsSchemes are the broker URL schemes that use TLS.
var tlsSchemes = []string{"ssl", "tls", "mqtts", "wss"}

func (m *MQTTConfig) problems() []string {
	var p []string
	bad := func(key, format string, args ...any) { p = append(p, "mqtt."+key+": "+fmt.Sprintf(format, args...)) }
	u, _ := url.Parse(m.URLs()[0])
	if files := m.CAFile + m.CertFile + m.KeyFile; files != "" && (u == nil || !slices.Contains(tlsSchemes, u.Scheme)) {
		bad("ca_file", "TLS files need a TLS broker URL (ssl://, mqtts:// or wss://), not %q", m.URLs()[0])
	}
	if (m.CertFile == "") != (m.KeyFile == "") {
		bad("cert_file", "cert_file and key_file go together: give both or neither")
	}
	if m.AckTimeout.Duration < 0 || m.AckTimeout.Duration > 0 && m.AckTimeout.Duration < time.Second {
		bad("ack_timeout", "%v: want at least 1s, or leave it out for the default", m.AckTimeout.Duration)
	}
	if _, err := delivery.SubscribeQoS0(m.SubscribeQoS); err != nil {
		bad("subscribe_qos", "%v", err)
	}
	if m.BacklogRate < 0 {
		bad("backlog_rate", "%d: want entries per second, or 0 for no limit", m.BacklogRate)
	}
	if h := m.Heartbeat.Duration; h < time.Second || h > 10*time.Minute {
		bad("heartbeat", "%s: want 1s to 10m (30s is usual): the control room's sign of life", h)
	}
	return p
}

// LedgerConfig bounds what the ledger keeps on the unit's disk. Only
// entries the collector has acknowledged are ever deleted.
type LedgerConfig struct {
	RetentionDays int `toml:"retention_days"` // acknowledged entries kept this long
	QuotaMB       int `toml:"quota_mb"`       // oldest acknowledged entries go beyond this
}

func (l *LedgerConfig) problems() []string {
	var p []string
	if l.RetentionDays < 1 {
		p = append(p, fmt.Sprintf("ledger.retention_days: %d: want 1 or more", l.RetentionDays))
	}
	if l.QuotaMB < 1 {
		p = append(p, fmt.Sprintf("ledger.quota_mb: %d: want 1 or more (512 is usual)", l.QuotaMB))
	}
	return p
}

// PolicyConfig names the policy documents (configs/policies/). A folder
// may hold dated documents; the one in effect is chosen by itself.
type PolicyConfig struct {
	Path string `toml:"path"` // a document or a folder; "" = the built-in community default
	// VerifyKeys are the centre's public keys (PEM files from kakou-cloud
	// policy-key); with any, a push not signed by one of them is refused.
	// Two during a key rotation. None: pushes are taken unsigned (demo).
	VerifyKeys []string `toml:"verify_keys"`
}

func (pc *PolicyConfig) problems() []string {
	var p []string
	seen := map[string]bool{}
	for i, k := range pc.VerifyKeys {
		if strings.TrimSpace(k) == "" || seen[k] {
			p = append(p, fmt.Sprintf("policy.verify_keys[%d]: %q: want the path of a distinct public key PEM (kakou-cloud policy-key writes one)", i, k))
		}
		seen[k] = true
	}
	return p
}

// CredentialsConfig holds the keys and lists credentials are checked with.
type CredentialsConfig struct {
	// Issuers maps an issuer id to its public key (kakou-ed25519-pub:…):
	// the site office, the commerce bureau.
	Issuers map[string]string `toml:"issuers"`
	Revoked []string          `toml:"revoked"` // pass ids no longer valid
	// HealthIssuers are the health authority's keys for signed health codes.
	HealthIssuers map[string]string `toml:"health_issuers"`
	HealthURL     string            `toml:"health_url"` // online verifier; "" = offline only
	HealthTimeout Duration          `toml:"health_timeout"`
	DCCTrust      string            `toml:"dcc_trust"` // HC1 signer certificates, JSON (dcc.LoadTrustFile); "" = none until pushed
	Health        HealthConfig      `toml:"health"`    // routes to verifiers; health_routes.go
	// WatchList is no longer read: the centre pushes its roster to every
	// unit (watch.go). Set, it is a config error saying so.
	WatchList string `toml:"watch_list"`
}

// ThermometerConfig selects the thermometer and its forehead-to-body offset.
type ThermometerConfig struct {
	Driver  string  `toml:"driver"` // "sim" or "mlx90614"
	OffsetC float64 `toml:"offset_c"`
	// I2CBus names the bus as periph does ("1" for /dev/i2c-1); "" = the first.
	I2CBus  string `toml:"i2c_bus"`
	Address int    `toml:"address"`
	Samples int    `toml:"samples"`
}

// ScannerConfig selects the QR scanner and how its serial line is framed.
type ScannerConfig struct {
	Driver      string   `toml:"driver"` // "sim" or "serial"
	Port        string   `toml:"port"`
	Baud        int      `toml:"baud"`
	Terminator  string   `toml:"terminator"` // any, cr, lf, crlf, tab
	Prefix      string   `toml:"prefix"`
	Suffix      string   `toml:"suffix"`
	DedupWindow Duration `toml:"dedup_window"`
	MaxLength   int      `toml:"max_length"`
	// ReopenMax is the longest wait between attempts to reopen an
	// unplugged scanner, and so how long a replugged one may wait.
	ReopenMax Duration `toml:"reopen_max"`
	// IdleFlush ends a code followed by this much silence; "0s" turns it
	// off, so only a terminator ends a code.
	IdleFlush Duration `toml:"idle_flush"`
}

// SimulatorConfig shapes the simulated crowd when a driver is "sim".
type SimulatorConfig struct {
	Seed            uint64   `toml:"seed"`
	MeanInterval    Duration `toml:"mean_interval"`
	FeverRatio      float64  `toml:"fever_ratio"`
	VisitorRatio    float64  `toml:"visitor_ratio"`
	NoCodeRatio     float64  `toml:"no_code_ratio"`
	UnreadableRatio float64  `toml:"unreadable_ratio"`
	MaxPeople       int      `toml:"max_people"`
}

// Duration reads "2s" or "500ms" from TOML.
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 2s or 500ms", b)
	}
	d.Duration = v
	return nil
}

// Facility types from docs/product.md "Facility types"; the policy documents key off them.
var facilities = []string{"community", "supermarket", "market", "clinic", "school", "nursing_home", "village", "office"}

// LoadConfig reads, defaults and validates a unit config. Every problem is
// reported at once, each with the file and the key, as a *ConfigError, so
// an installer fixes a file in one pass.
func LoadConfig(path string) (Config, error) {
	c := defaults()
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return Config{}, &ConfigError{File: path, Problems: []Problem{{Reason: err.Error()}}}
	}
	var problems []Problem
	for _, k := range md.Undecoded() {
		problems = append(problems, Problem{k.String(), "unknown key (misspelt, or not for this program?)"})
	}
	c.MQTT.ClientID = cmp.Or(c.MQTT.ClientID, "kakou-unit-"+c.Site+"-"+c.Unit)
	var verr *ConfigError
	if err := c.Validate(); errors.As(err, &verr) {
		problems = append(problems, verr.Problems...)
	}
	if len(problems) > 0 {
		return Config{}, &ConfigError{File: path, Problems: problems}
	}
	return c, nil
}

// defaults is the one place default values live; the file is decoded over
// them, so a key left out keeps its default and a key set to zero is zero.
func defaults() Config {
	s := sim.DefaultOpts
	return Config{
		Facility: "community",
		Console:  ConsoleConfig{Listen: "127.0.0.1:8081", SessionIdle: Duration{console.DefaultSessionIdle}},
		MQTT: MQTTConfig{BacklogRate: uplink.DefaultBacklogRate,
			Heartbeat: Duration{uplink.DefaultHeartbeat}},
		Ledger:      LedgerConfig{RetentionDays: 28, QuotaMB: 512},
		Flow:        FlowConfig{HoldTimeout: Duration{screening.DefaultHoldTimeout}},
		Lane:        wire.LaneIn,
		Printer:     PrinterConfig{Baud: 9600},
		ANPR:        defaultANPR(),
		Credentials: CredentialsConfig{HealthTimeout: Duration{credential.DefaultHealthTimeout}},
		Thermometer: ThermometerConfig{Driver: "sim", Address: int(mlx90614.DefaultOpts.Addr),
			Samples: mlx90614.DefaultOpts.Samples},
		Scanner: ScannerConfig{Driver: "sim", Baud: serialscanner.DefaultOpts.Baud, Terminator: "any",
			DedupWindow: Duration{qrscan.DefaultOpts.DedupWindow}, MaxLength: qrscan.DefaultOpts.MaxLen,
			ReopenMax: Duration{serialscanner.DefaultOpts.ReopenMax}, IdleFlush: Duration{defaultIdleFlush}},
		Simulator: SimulatorConfig{Seed: s.Seed, MeanInterval: Duration{s.MeanInterval},
			FeverRatio: s.FeverRatio, VisitorRatio: s.VisitorRatio,
			NoCodeRatio: s.NoCodeRatio, UnreadableRatio: s.UnreadableRatio},
	}
}

// Validate reports every problem in c as a *ConfigError, or nil. It
// checks values without touching the disk or the network.
func (c Config) Validate() error {
	var p []string
	bad := func(key, format string, args ...any) { p = append(p, key+": "+fmt.Sprintf(format, args...)) }
	if err := wire.ValidateID(c.Site); err != nil {
		bad("site", "%v", err)
	}
	if err := wire.ValidateID(c.Unit); err != nil {
		bad("unit", "%v", err)
	}
	if err := wire.ValidateDisplayName(c.SiteName); err != nil {
		bad("site_name", "%v", err)
	}
	if err := wire.ValidateDisplayName(c.UnitName); err != nil {
		bad("unit_name", "%v", err)
	}
	if !slices.Contains(facilities, c.Facility) {
		bad("facility", "%q is not one of %s", c.Facility, strings.Join(facilities, ", "))
	}
	if c.Lane != wire.LaneIn && c.Lane != wire.LaneOut {
		bad("lane", "%q: use \"in\" for an entrance or \"out\" for an exit", c.Lane)
	}
	if _, _, err := net.SplitHostPort(c.Console.Listen); err != nil && c.Console.Listen != "off" {
		bad("console.listen", "%q is not host:port (e.g. 0.0.0.0:8081 for phones on the LAN) or \"off\"", c.Console.Listen)
	}
	p = append(p, c.Console.problems()...)
	if c.DataDir == "" {
		bad("data_dir", "required: the directory for the ledger, e.g. /var/lib/kakou")
	}
	p = append(p, c.MQTT.brokerProblems()...)
	p = append(p, c.MQTT.problems()...)
	p = append(p, c.Enroll.problems()...)
	p = append(p, c.Ledger.problems()...)
	p = append(p, c.Policy.problems()...)
	p = append(p, c.Privacy.problems()...)
	p = append(p, c.visitProblems()...)
	p = append(p, c.vehicleProblems()...)
	p = append(p, c.idCardProblems()...)
	p = append(p, c.updateProblems()...)
	if c.Credentials.WatchList != "" {
		bad("credentials.watch_list", "is no longer read: the centre pushes its roster of people in home quarantine, "+
			"health monitoring and returnees to every unit (kakou/v1/watch/…, firmware/README.md \"The centre's roster\"); "+
			"remove the key and add the people at the centre (POST /api/v1/roster)")
	}
	if _, err := credential.LoadIssuers(c.Credentials.Issuers); err != nil {
		bad("credentials.issuers", "%v", err)
	}
	if _, err := credential.LoadIssuers(c.Credentials.HealthIssuers); err != nil {
		bad("credentials.health_issuers", "%v", err)
	}
	if u := c.Credentials.HealthURL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		bad("credentials.health_url", "%q: want an http:// or https:// URL, or leave it out", u)
	}
	p = append(p, c.Credentials.Health.problems(c.Credentials.HealthURL != "")...)
	if t := c.Credentials.HealthTimeout.Duration; t <= 0 || t > 10*time.Second {
		bad("credentials.health_timeout", "%s: want a short timeout, 0-10 s (2s is usual): the lane waits for it", t)
	}
	if c.Thermometer.OffsetC < -3 || c.Thermometer.OffsetC > 3 {
		bad("thermometer.offset_c", "%.1f: a forehead offset beyond ±3 °C means the sensor is mis-aimed", c.Thermometer.OffsetC)
	}
	p = append(p, c.Thermometer.problems()...)
	p = append(p, c.Scanner.problems()...)
	p = append(p, c.Gate.problems()...)
	p = append(p, c.Display.problems()...)
	if d := c.Console.StaleAfter.Duration; d != 0 && (d < 3*time.Second || d > 10*time.Minute) {
		bad("console.stale_after", "%s: between 3s and 10m, or leave it out for %s", d, console.DefaultStaleAfter)
	}
	if h := c.Flow.HoldTimeout.Duration; h < 10*time.Second || h > 2*time.Hour {
		bad("flow.hold_timeout", "%s: want 10s to 2h (10m is usual): how long a lane holds a person told to wait", h)
	}
	if o := c.simOpts(); o.Validate() != nil {
		bad("simulator", "%v", strings.TrimPrefix(o.Validate().Error(), "sim: "))
	}
	if len(p) > 0 {
		err := &ConfigError{}
		for _, line := range p {
			err.Problems = append(err.Problems, problemOf(line))
		}
		return err
	}
	return nil
}

// simOpts is the simulated crowd this config describes.
func (c *Config) simOpts() sim.Opts {
	o := sim.DefaultOpts
	s := c.Simulator
	o.Seed, o.MeanInterval, o.MaxPeople = s.Seed, s.MeanInterval.Duration, s.MaxPeople
	o.FeverRatio, o.VisitorRatio, o.NoCodeRatio, o.UnreadableRatio = s.FeverRatio, s.VisitorRatio, s.NoCodeRatio, s.UnreadableRatio
	return o
}
