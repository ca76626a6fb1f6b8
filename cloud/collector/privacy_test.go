package collector

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadConfigReadsPrivacyAndRetention(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
		wantDays            int
	}{
		{"defaults", `data_dir = "d"`, "", 28},
		{"set", "data_dir = \"d\"\n[retention]\ndays = 14\n[privacy]\ntracing_key_file = \"/k1\"\nseal_key_file = \"/k2\"", "", 14},
		{"zero days", "data_dir = \"d\"\n[retention]\ndays = 0", "retention.days: 0", 0},
		{"one key for both", "data_dir = \"d\"\n[privacy]\ntracing_key_file = \"/k\"\nseal_key_file = \"/k\"", "privacy.seal_key_file", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeConfig(t, tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.Retention.Days != tt.wantDays {
				t.Fatalf("days %d, err %v", cfg.Retention.Days, err)
			}
		})
	}
}

func TestCollectorReadsTheFleetKeys(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte("k"), n), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name     string
		cfg      PrivacyConfig
		wantErr  string
		wantWarn bool
	}{
		{"both keys", PrivacyConfig{TracingKeyFile: write("t", 32), SealKeyFile: write("s", 32)}, "", false},
		{"no tracing key", PrivacyConfig{}, "", true},
		{"seal key not 32 bytes", PrivacyConfig{TracingKeyFile: write("t2", 32), SealKeyFile: write("s31", 31)}, "want 32", false},
		{"short tracing key", PrivacyConfig{TracingKeyFile: write("t8", 8)}, "want 16 or more", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logged bytes.Buffer
			c := &Collector{cfg: Config{Privacy: tt.cfg}, log: slog.New(slog.NewTextHandler(&logged, nil))}
			p, err := c.apiPrivacy()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(logged.String(), "tracing_key_file") != tt.wantWarn {
				t.Errorf("log %q", logged.String())
			}
			if tt.wantErr == "" && (p.TracingKey != nil) != (tt.cfg.TracingKeyFile != "") {
				t.Errorf("tracing key %v", p.TracingKey)
			}
		})
	}
}
