package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRetentionDefaultsTo28DaysAndIsChecked(t *testing.T) {
	const base = "site = \"s1\"\ndata_dir = \"/tmp/gw\"\n[cloud]\nbroker = \"tcp://127.0.0.1:1883\"\n[policy]\npath = \"p.toml\"\n"
	tests := []struct {
		name, extra, wantErr string
		wantDays             int
	}{
		{"default", "", "", 28},
		{"set", "[retention]\ndays = 7\n", "", 7},
		{"zero", "[retention]\ndays = 0\n", "retention.days: 0", 0},
		{"misspelt", "[retention]\nday = 7\n", "retention.day", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "gw.toml")
			if err := os.WriteFile(path, []byte(base+tt.extra), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.Retention.Days != tt.wantDays {
				t.Fatalf("days %d, err %v; want %d", cfg.Retention.Days, err, tt.wantDays)
			}
		})
	}
}
