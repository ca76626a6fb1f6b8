package unit

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSetupScriptedWritesACommaSeparatedBrokerAsTheClustersNodes(t *testing.T) {
	withFakeI2C(t)
	url, ca, _ := tlsEnrollServer(t)
	dir := t.TempDir()
	o := SetupOptions{Config: filepath.Join(dir, "unit.toml"), Yes: true, Site: "s1", Unit: "u1",
		DataDir: filepath.Join(dir, "state"), EnrollURL: url, CAFile: ca, Token: "good", ScannerPort: "sim",
		Broker: "ssl://n1.city:8883, ssl://n2.city:8883,ssl://n3.city:8883"}
	if out, err := runSetup(t, o, ""); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	cfg, err := LoadConfig(o.Config)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ssl://n1.city:8883", "ssl://n2.city:8883", "ssl://n3.city:8883"}
	if !slices.Equal(cfg.MQTT.Brokers, want) || cfg.MQTT.Broker != "" || cfg.MQTT.CAFile != ca {
		t.Fatalf("written [mqtt] = broker %q, brokers %v, ca_file %q; want brokers %v and the CA", cfg.MQTT.Broker, cfg.MQTT.Brokers, cfg.MQTT.CAFile, want)
	}
}

func TestSetupScriptedRefusesABrokerListThatMixesTLSAndPlain(t *testing.T) {
	o := SetupOptions{Config: filepath.Join(t.TempDir(), "unit.toml"), Yes: true, Site: "s1", Unit: "u1",
		EnrollURL: "https://cloud.example", Token: "t", ScannerPort: "sim", Thermometer: "sim",
		Broker: "ssl://n1:8883,tcp://n2:1883"}
	if _, err := runSetup(t, o, ""); err == nil || !strings.Contains(err.Error(), "mix TLS and plain") || !strings.Contains(err.Error(), "-broker") {
		t.Fatalf("error %v, want -broker named and the mixed list explained", err)
	}
}
