package config

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateChecksTheTLSKeys(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"lan cert without key", func(c *Config) { c.LAN.CertFile = "gw.pem" }, "lan.cert_file: cert_file and key_file go together"},
		{"web key without cert", func(c *Config) { c.Web.KeyFile = "gw-key.pem" }, "web.cert_file: cert_file and key_file go together"},
		{"client CA without TLS", func(c *Config) { c.LAN.ClientCAFile = "ca.pem" }, "lan.client_ca_file: needs lan.cert_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.edit(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

// validConfig is a plain config that passes Validate.
func validConfig() Config {
	c := Default()
	c.Site, c.DataDir, c.Cloud.Broker = "riverside-market", "/var/lib/kakou/gateway", "tcp://127.0.0.1:18830"
	c.Policy.Path = "policy.toml"
	return c
}

func TestTLSLoadersNameTheKeyOfAnUnreadableFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent.pem")
	if _, err := (LAN{CertFile: missing, KeyFile: missing}).TLS(); err == nil || !strings.Contains(err.Error(), "lan.cert_file") {
		t.Errorf("LAN.TLS = %v, want an error naming lan.cert_file", err)
	}
	if _, err := (Web{CertFile: missing, KeyFile: missing}).TLS(); err == nil || !strings.Contains(err.Error(), "web.cert_file") {
		t.Errorf("Web.TLS = %v, want an error naming web.cert_file", err)
	}
	if tc, err := (LAN{}).TLS(); tc != nil || err != nil {
		t.Errorf("LAN without a certificate: %v, %v; want plain (nil, nil)", tc, err)
	}
}

// configs/production/gateway.toml loads and uses TLS on all three sides:
// the units' broker with mutual TLS, the staff's web API, the cloud.
func TestProductionGatewayConfigUsesTLSEverywhere(t *testing.T) {
	const path = "../../configs/production/gateway.toml"
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := url.Parse(c.Cloud.Broker); err != nil || u.Scheme != "ssl" {
		t.Errorf("cloud.broker %q, want ssl://", c.Cloud.Broker)
	}
	files := map[string]string{"lan.cert_file": c.LAN.CertFile, "lan.key_file": c.LAN.KeyFile,
		"lan.client_ca_file": c.LAN.ClientCAFile, "web.cert_file": c.Web.CertFile,
		"web.key_file": c.Web.KeyFile, "cloud.ca_file": c.Cloud.CAFile, "cloud.cert_file": c.Cloud.CertFile}
	for key, f := range files {
		if !strings.HasPrefix(f, "/etc/kakou/tls/") {
			t.Errorf("%s = %q, want a file under /etc/kakou/tls/", key, f)
		}
	}
}
