package unit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "unit.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const minimal = `
site = "s1"
unit = "u1"
data_dir = "/var/lib/kakou"
[mqtt]
broker = "tcp://127.0.0.1:1883"
`

func TestLoadConfigAppliesDefaults(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, minimal))
	if err != nil {
		t.Fatal(err)
	}
	if c.Lane != "in" || c.Facility != "community" || c.Credentials.HealthTimeout.Duration != 2*time.Second ||
		c.MQTT.ClientID != "kakou-unit-s1-u1" || c.Simulator.FeverRatio == 0 {
		t.Fatalf("defaults not applied: %+v", c)
	}
}

func TestLoadConfigKeepsExplicitZero(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, minimal+"[simulator]\nfever_ratio = 0.0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Simulator.FeverRatio != 0 {
		t.Fatalf("fever_ratio = 0 became %g", c.Simulator.FeverRatio)
	}
}

func TestLoadConfigReportsEveryProblemWithItsKey(t *testing.T) {
	body := `
site = "Sunshine Garden"
unit = "u1"
lane = "sideways"
facility = "casino"
colour = "red"
[mqtt]
broker = "localhost"
[credentials]
issuers = { site-office = "kakou-ed25519-pub:nonsense" }
health_url = "ftp://health.example"
[simulator]
fever_ratio = 2
`
	path := writeConfig(t, body)
	_, err := LoadConfig(path)
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{path, "site:", "lane:", "facility:", "colour: unknown key",
		"mqtt.broker:", "credentials.issuers:", "credentials.health_url:", "data_dir: required", "simulator:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestLoadConfigReportsSyntaxErrorsWithTheFile(t *testing.T) {
	path := writeConfig(t, "site = \n")
	if _, err := LoadConfig(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v", err)
	}
	if _, err := LoadConfig(writeConfig(t, minimal+"[simulator]\nmean_interval = \"soon\"\n")); err == nil ||
		!strings.Contains(err.Error(), "not a duration") {
		t.Fatalf("bad duration: got %v", err)
	}
}

func TestShippedUnitConfigsAreValid(t *testing.T) {
	files, _ := filepath.Glob("../../configs/unit*.toml")
	if len(files) == 0 {
		t.Fatal("no configs/unit*.toml found")
	}
	units := map[string]string{}
	for _, f := range files {
		c, err := LoadConfig(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if other, dup := units[c.Unit]; dup {
			t.Errorf("%s and %s both name unit %q", f, other, c.Unit)
		}
		units[c.Unit] = f
	}
}

func TestLoadConfigChecksHardwareSettings(t *testing.T) {
	body := minimal + `
[thermometer]
driver = "mlx90614"
address = 0x80
samples = 0
[scanner]
driver = "serial"
baud = 1234
terminator = "semicolon"
`
	_, err := LoadConfig(writeConfig(t, body))
	if err == nil {
		t.Fatal("bad hardware settings accepted")
	}
	for _, want := range []string{"thermometer.address: 0x80", "thermometer.samples: 0", "scanner: terminator"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	body = minimal + "[scanner]\ndriver = \"serial\"\nbaud = 1234\n"
	if _, err := LoadConfig(writeConfig(t, body)); err == nil || !strings.Contains(err.Error(), "port") ||
		!strings.Contains(err.Error(), "baud 1234") {
		t.Fatalf("serial without port and with a bad baud: got %v", err)
	}
	for _, driver := range []string{`[thermometer]\ndriver = "dht22"`, `[scanner]\ndriver = "keyboard"`} {
		if _, err := LoadConfig(writeConfig(t, minimal+strings.ReplaceAll(driver, `\n`, "\n")+"\n")); err == nil ||
			!strings.Contains(err.Error(), "driver") {
			t.Errorf("%s: got %v", driver, err)
		}
	}
}

// hd44780Section is a good [display] for a 16x2 LCD with the keys in change
// replaced, and those changed to "" left out.
func hd44780Section(change map[string]string) string {
	good := map[string]string{"driver": `"hd44780"`, "rs_pin": `"GPIO5"`, "e_pin": `"GPIO6"`,
		"data_pins": `["GPIO13", "GPIO19", "GPIO26", "GPIO21"]`, "cols": "16", "rows": "2"}
	s := "[display]\n"
	for _, k := range []string{"driver", "rs_pin", "e_pin", "data_pins", "cols", "rows"} {
		v, ok := change[k]
		if !ok {
			v = good[k]
		}
		if v != "" {
			s += k + " = " + v + "\n"
		}
	}
	return s
}

func TestLoadConfigChecksDisplaySettings(t *testing.T) {
	for _, tc := range []struct {
		name, display string
		want          []string // problems; none means the config is accepted
	}{
		{name: "hd44780 16x2 accepted", display: hd44780Section(nil)},
		{name: "hd44780 20x4 accepted", display: hd44780Section(map[string]string{"cols": "20", "rows": "4"})},
		{name: "ssd1306 accepted", display: "[display]\ndriver = \"ssd1306\"\ni2c_bus = \"1\"\n"},
		{name: "no display accepted", display: ""},
		{
			name:    "pins missing",
			display: hd44780Section(map[string]string{"rs_pin": "", "e_pin": "", "data_pins": ""}),
			want:    []string{"display.rs_pin: required", "display.e_pin: required", "display.data_pins: 0 pins, want 4"},
		},
		{
			name:    "three data pins",
			display: hd44780Section(map[string]string{"data_pins": `["GPIO13", "GPIO19", "GPIO26"]`}),
			want:    []string{"display.data_pins: 3 pins, want 4: the GPIOs wired to D4, D5, D6 and D7"},
		},
		{
			name:    "eight data pins",
			display: hd44780Section(map[string]string{"data_pins": `["GPIO7", "GPIO8", "GPIO9", "GPIO10", "GPIO13", "GPIO19", "GPIO26", "GPIO21"]`}),
			want:    []string{"display.data_pins: 8 pins, want 4"},
		},
		{
			name:    "empty data pin",
			display: hd44780Section(map[string]string{"data_pins": `["GPIO13", "", "GPIO26", "GPIO21"]`}),
			want:    []string{"display.data_pins: entry 2 is empty: name the GPIO wired to D5"},
		},
		{
			name:    "pin used twice",
			display: hd44780Section(map[string]string{"data_pins": `["GPIO6", "GPIO19", "GPIO26", "GPIO21"]`}),
			want:    []string{`display.data_pins (D4): "GPIO6" is also display.e_pin`},
		},
		{
			name:    "bad size",
			display: hd44780Section(map[string]string{"cols": "17", "rows": "3"}),
			want:    []string{"display.cols: 17, want 16 or 20", "display.rows: 3, want 2 or 4"},
		},
		{
			name:    "size missing",
			display: hd44780Section(map[string]string{"cols": "", "rows": ""}),
			want:    []string{"display.cols: 0, want 16 or 20", "display.rows: 0, want 2 or 4"},
		},
		{
			name:    "lcd keys without the hd44780 driver",
			display: hd44780Section(map[string]string{"driver": `"ssd1306"`, "e_pin": "", "data_pins": "", "cols": "", "rows": ""}),
			want:    []string{`display.rs_pin: only for an HD44780 LCD: set display.driver = "hd44780"`},
		},
		{
			name:    "unknown driver",
			display: "[display]\ndriver = \"st7735\"\n",
			want:    []string{`display.driver: "st7735", want "ssd1306" (OLED), "hd44780" (character LCD)`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, minimal+tc.display))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("good display config rejected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("bad display config accepted")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestLoadConfigReadsTheHD44780Wiring(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, minimal+hd44780Section(map[string]string{"cols": "20", "rows": "4"})))
	if err != nil {
		t.Fatal(err)
	}
	d := c.Display
	if d.Driver != "hd44780" || d.RSPin != "GPIO5" || d.EPin != "GPIO6" || len(d.DataPins) != 4 ||
		d.DataPins[0] != "GPIO13" || d.DataPins[3] != "GPIO21" || d.Cols != 20 || d.Rows != 4 {
		t.Fatalf("display config read as %+v", d)
	}
}

func TestConsoleListensOnLoopbackByDefaultAndCanBeTurnedOff(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, minimal))
	if err != nil || c.Console.Listen != "127.0.0.1:8081" {
		t.Fatalf("default console.listen %q, %v", c.Console.Listen, err)
	}
	if _, err := LoadConfig(writeConfig(t, minimal+"[console]\nlisten = \"off\"\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(writeConfig(t, minimal+"[console]\nlisten = \"8081\"\n")); err == nil ||
		!strings.Contains(err.Error(), "console.listen") {
		t.Fatalf("listen = 8081: got %v", err)
	}
}

func TestLoadConfigDefaultsDeliveryAndLedgerSettings(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, minimal))
	if err != nil {
		t.Fatal(err)
	}
	if c.MQTT.BacklogRate != 500 || c.MQTT.Heartbeat.Duration != 30*time.Second ||
		c.Ledger.RetentionDays != 28 || c.Ledger.QuotaMB != 512 {
		t.Fatalf("defaults: mqtt %+v, ledger %+v", c.MQTT, c.Ledger)
	}
	// The files are named, not opened: Validate does no I/O.
	tlsBody := strings.Replace(minimal, "tcp://", "ssl://", 1) +
		"ca_file = \"/nonexistent/ca.pem\"\ncert_file = \"/nonexistent/unit.pem\"\nkey_file = \"/nonexistent/unit.key\"\n" +
		"backlog_rate = 0\nheartbeat = \"10s\"\n[ledger]\nretention_days = 7\nquota_mb = 64\n"
	if c, err = LoadConfig(writeConfig(t, tlsBody)); err != nil {
		t.Fatal(err)
	}
	if c.MQTT.CAFile != "/nonexistent/ca.pem" || c.MQTT.BacklogRate != 0 || c.Ledger.QuotaMB != 64 {
		t.Fatalf("read as mqtt %+v, ledger %+v", c.MQTT, c.Ledger)
	}
	if c.MQTT.SubscribeQoS != nil {
		t.Fatalf("subscribe_qos left out read as %d, want unset (QoS 1)", *c.MQTT.SubscribeQoS)
	}
	if c, err = LoadConfig(writeConfig(t, minimal+"subscribe_qos = 0\n")); err != nil || c.MQTT.SubscribeQoS == nil || *c.MQTT.SubscribeQoS != 0 {
		t.Fatalf("subscribe_qos = 0 read as %+v, %v", c.MQTT, err)
	}
}

func TestLoadConfigChecksDeliveryAndLedgerSettings(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"TLS files on a plain broker", minimal + "ca_file = \"ca.pem\"\n", []string{"mqtt.ca_file: TLS files need a TLS broker URL"}},
		{"cert without key", strings.Replace(minimal, "tcp://", "mqtts://", 1) + "cert_file = \"unit.pem\"\n",
			[]string{"mqtt.cert_file: cert_file and key_file go together"}},
		{"negative rate and tiny heartbeat", minimal + "backlog_rate = -5\nheartbeat = \"10ms\"\n",
			[]string{"mqtt.backlog_rate: -5", "mqtt.heartbeat: 10ms"}},
		{"QoS 2 subscriptions", minimal + "subscribe_qos = 2\n", []string{"mqtt.subscribe_qos: 2: want 1 (the default) or 0"}},
		{"no retention, no quota", minimal + "[ledger]\nretention_days = 0\nquota_mb = 0\n",
			[]string{"ledger.retention_days: 0", "ledger.quota_mb: 0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tc.body))
			if err == nil {
				t.Fatal("bad config accepted")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q:\n%v", want, err)
				}
			}
		})
	}
}
