package unit

import (
	"net/url"
	"strings"
	"testing"
)

func TestLoadConfigChecksTheConsoleCertificateKeys(t *testing.T) {
	tests := []struct{ console, want string }{
		{"cert_file = \"/etc/kakou/tls/u.pem\"", "console.cert_file: cert_file and key_file go together"},
		{"key_file = \"/etc/kakou/tls/u-key.pem\"", "console.cert_file: cert_file and key_file go together"},
		{"listen = \"off\"\ncert_file = \"u.pem\"\nkey_file = \"k.pem\"", "console.cert_file: the console is off"},
	}
	for _, tt := range tests {
		_, err := LoadConfig(writeConfig(t, minimal+"[console]\n"+tt.console+"\n"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("[console] %q: got %v, want %q", tt.console, err, tt.want)
		}
	}
	c, err := LoadConfig(writeConfig(t, minimal+"[console]\nlisten = \"0.0.0.0:8443\"\n"+
		"cert_file = \"u.pem\"\nkey_file = \"u-key.pem\"\n"))
	if err != nil || c.Console.CertFile != "u.pem" || c.Console.KeyFile != "u-key.pem" {
		t.Fatalf("console with a certificate: %+v, %v", c.Console, err)
	}
}

// configs/production/unit.toml must load and use TLS both ways: to its
// broker, verified against the site CA with its own certificate, and for
// the guard console on the LAN.
func TestProductionUnitConfigUsesTLSEverywhere(t *testing.T) {
	const path = "../../configs/production/unit.toml"
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(c.MQTT.Broker)
	if err != nil || u.Scheme != "ssl" {
		t.Errorf("%s: mqtt.broker %q, want ssl://", path, c.MQTT.Broker)
	}
	files := map[string]string{"mqtt.ca_file": c.MQTT.CAFile, "mqtt.cert_file": c.MQTT.CertFile,
		"mqtt.key_file": c.MQTT.KeyFile, "console.cert_file": c.Console.CertFile, "console.key_file": c.Console.KeyFile}
	for key, f := range files {
		if !strings.HasPrefix(f, "/etc/kakou/tls/") {
			t.Errorf("%s: %s = %q, want a file under /etc/kakou/tls/", path, key, f)
		}
	}
}

func TestLoopbackTellsThePisOwnScreenFromTheLAN(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8081": true, "localhost:8081": true, "[::1]:8081": true,
		"0.0.0.0:8081": false, "192.168.1.21:8443": false, ":8081": false} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
