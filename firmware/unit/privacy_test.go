package unit

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/policy"
)

func TestLoadConfigReadsThePrivacyTable(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
	}{
		{"both keys", "[privacy]\ntracing_key_file = \"/etc/kakou/tracing.key\"\nseal_key_file = \"/etc/kakou/seal.key\"\n", ""},
		{"one key for both", "[privacy]\ntracing_key_file = \"/k\"\nseal_key_file = \"/k\"\n", "privacy.seal_key_file"},
		{"misspelt key", "[privacy]\ntracing_key = \"/k\"\n", "privacy.tracing_key: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(writeConfig(t, minimal+tt.body))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if err == nil && c.Privacy.SealKeyFile != "/etc/kakou/seal.key" {
				t.Errorf("privacy %+v", c.Privacy)
			}
		})
	}
}

// privacyUnit is just enough of a unit for loadPrivacy.
func privacyUnit(t *testing.T, cfg PrivacyConfig, fullNumbers bool) (*Unit, *bytes.Buffer) {
	t.Helper()
	pol := policy.Default()
	pol.Checks.Registration.FullNumbers = fullNumbers
	h, err := policy.NewHolder(pol)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	return &Unit{cfg: Config{Privacy: cfg}, policy: h, log: slog.New(slog.NewTextHandler(&logged, nil))}, &logged
}

func TestUnitWarnsWithoutTheKeysItNeeds(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "tracing.key")
	if err := os.WriteFile(key, bytes.Repeat([]byte("k"), 32), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		cfg         PrivacyConfig
		fullNumbers bool
		wantErr     bool
		wantWarn    string
	}{
		{"no tracing key", PrivacyConfig{}, false, false, "tracing_key_file is not set"},
		{"policy wants full numbers, no seal key", PrivacyConfig{TracingKeyFile: key}, true, false, "seal_key_file is not set"},
		{"tracing key only", PrivacyConfig{TracingKeyFile: key}, false, false, ""},
		{"seal key file missing", PrivacyConfig{SealKeyFile: filepath.Join(dir, "nope")}, false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, logged := privacyUnit(t, tt.cfg, tt.fullNumbers)
			p, err := u.loadPrivacy()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v", err)
			}
			if tt.wantWarn == "" && logged.Len() > 0 || !strings.Contains(logged.String(), tt.wantWarn) {
				t.Errorf("log %q, want %q", logged, tt.wantWarn)
			}
			if err == nil && p.Hashes() != (tt.cfg.TracingKeyFile != "") {
				t.Errorf("Hashes() = %v", p.Hashes())
			}
		})
	}
}
