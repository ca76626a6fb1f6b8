package unit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	if c.Lane != "in" || c.Facility != "community" || c.Policy.FeverThresholdC != 37.3 ||
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
[policy]
fever_threshold_c = 42.0
[simulator]
fever_ratio = 2
`
	path := writeConfig(t, body)
	_, err := LoadConfig(path)
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{path, "site:", "lane:", "facility:", "colour: unknown key",
		"mqtt.broker:", "policy.fever_threshold_c:", "data_dir: required", "simulator:"} {
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
