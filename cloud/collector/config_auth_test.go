package collector

import (
	"errors"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/api"
)

// A valid argon2id hash of "pw" at the cheapest cost, for config tests.
var testHash = func() string {
	h, err := api.HashPassword("pw", api.Argon2Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		panic(err)
	}
	return h
}()

// TestAuthModeIsOpenOnlyOnLoopbackWithoutUsers: unset, the mode is open
// for the loopback demo only; a collector others can reach requires login.
func TestAuthModeIsOpenOnlyOnLoopbackWithoutUsers(t *testing.T) {
	for _, tt := range []struct {
		listen string
		users  int
		want   string
	}{
		{"127.0.0.1:8080", 0, "open"},
		{"[::1]:8080", 0, "open"},
		{"localhost:8080", 0, "open"},
		{"127.0.0.1:8080", 1, "login"},
		{"0.0.0.0:8443", 0, "login"},
		{":8080", 0, "login"},
		{"10.0.0.7:8080", 0, "login"},
	} {
		cfg := Default()
		cfg.DataDir, cfg.HTTP.Listen = "d", tt.listen
		for range tt.users {
			cfg.Users = append(cfg.Users, UserConfig{Name: "zhang", Role: "monitor", PasswordHash: testHash})
		}
		if got := cfg.AuthMode(); got != tt.want {
			t.Errorf("listen %s with %d users: mode %q, want %q", tt.listen, tt.users, got, tt.want)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("listen %s with %d users: %v", tt.listen, tt.users, err)
		}
	}
}

// TestAuthConfigReportsEveryProblemWithItsKey: open mode off loopback,
// users with the wrong scope for their role, a bad hash, a name twice.
func TestAuthConfigReportsEveryProblemWithItsKey(t *testing.T) {
	cfg := Default()
	cfg.DataDir, cfg.HTTP.Listen = "d", "0.0.0.0:8080"
	cfg.Auth.Mode, cfg.Auth.SessionTTL, cfg.Auth.MaxFailures = "open", "forever", 0
	cfg.Users = []UserConfig{
		{Name: "guard", Role: "guard", Site: "estate", PasswordHash: testHash},
		{Name: "boss", Role: "monitor", Site: "estate", PasswordHash: testHash},
		{Name: "boss", Role: "admin", PasswordHash: testHash},
		{Name: "li si", Role: "tracer", PasswordHash: "plaintext"},
	}
	var cerr *ConfigError
	if err := cfg.Validate(); !errors.As(err, &cerr) {
		t.Fatalf("Validate = %v, want a *ConfigError", err)
	}
	got := cerr.Error()
	for _, want := range []string{"auth.mode: \"open\" lets anyone", "auth.mode: \"open\" ignores",
		"auth.session_ttl", "auth.max_failures", "users[0].unit", "users[1].site", "users[2].name: \"boss\" is listed twice",
		"users[2].role", "users[3].name", "users[3].password_hash: not an argon2id hash"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

// TestShippedConfigsRequireLogin: the demo logs in with the users its
// comments document, and the production config cannot run open.
func TestShippedConfigsRequireLogin(t *testing.T) {
	for _, tt := range []struct {
		path  string
		users int
	}{
		{"../../configs/cloud.toml", 4},
		{"../../configs/production/cloud.toml", -1},
	} {
		cfg, err := LoadConfig(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.AuthMode() != "login" || (tt.users >= 0 && len(cfg.Users) != tt.users) {
			t.Errorf("%s: mode %q with %d users, want login", tt.path, cfg.AuthMode(), len(cfg.Users))
		}
	}
}
