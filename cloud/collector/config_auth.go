package collector

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/firmware/wire"
)

// AuthConfig is the [auth] table: who must log in to the dashboard and
// the API, and how long a login lasts (cloud/api/auth.go).
type AuthConfig struct {
	// Mode is "login" (names and passwords from [[users]], tokens from
	// [[api_tokens]]) or "open" (everyone an anonymous monitor, masked).
	// Open is refused unless http.listen is a loopback address. Unset, it
	// is "open" on loopback with no [[users]] (the one-command demo as it
	// was) and "login" otherwise, so a collector reachable from the
	// network always asks who is there.
	Mode string `toml:"mode"`
	// IdleTimeout ends a session unused this long; SessionTTL ends every
	// session this long after login. Go durations: "30m", "12h".
	IdleTimeout string `toml:"idle_timeout"`
	SessionTTL  string `toml:"session_ttl"`
	// MaxFailures failed logins per user name, and per client address,
	// within FailureWindow lock that name or address out for a while.
	MaxFailures   int    `toml:"max_failures"`
	FailureWindow string `toml:"failure_window"`
}

// UserConfig is one [[users]] entry: a person who logs in to the dashboard.
type UserConfig struct {
	Name string `toml:"name"`
	// Role is guard (Unit at Site), site_manager (Site), monitor (every
	// site, personal data masked) or tracer (may unmask, audited).
	Role string `toml:"role"`
	Site string `toml:"site"`
	Unit string `toml:"unit"`
	// Region limits a monitor or tracer to one [[regions]] entry's sites.
	Region string `toml:"region"`
	// PasswordHash is argon2id; make one with: kakou-cloud passwd
	PasswordHash string `toml:"password_hash"`
}

func defaultAuth() AuthConfig {
	return AuthConfig{IdleTimeout: "30m", SessionTTL: "12h", MaxFailures: 5, FailureWindow: "15m"}
}

// AuthMode is the mode in force: Mode, or what an unset Mode means.
func (c Config) AuthMode() string {
	if c.Auth.Mode != "" {
		return c.Auth.Mode
	}
	if len(c.Users) == 0 && loopback(c.HTTP.Listen) {
		return "open"
	}
	return "login"
}

// loopback reports whether addr listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AuthOptions is the [auth] table and [[users]] as the API takes them;
// nil in open mode. Validate has checked every value.
func (c Config) AuthOptions(sessions api.SessionStore) *api.AuthOptions {
	if c.AuthMode() == "open" {
		return nil
	}
	dur := func(s string) time.Duration { d, _ := time.ParseDuration(s); return d }
	o := &api.AuthOptions{Sessions: sessions, IdleTimeout: dur(c.Auth.IdleTimeout),
		MaxAge: dur(c.Auth.SessionTTL), MaxFailures: c.Auth.MaxFailures, FailureWindow: dur(c.Auth.FailureWindow)}
	for _, u := range c.Users {
		o.Users = append(o.Users, api.User{Name: u.Name, Role: u.Role, Site: u.Site, Unit: u.Unit, Region: u.Region,
			PasswordHash: u.PasswordHash})
	}
	return o
}

func (c Config) validateAuth(bad func(key, format string, args ...any)) {
	switch c.Auth.Mode {
	case "", "login":
	case "open":
		if !loopback(c.HTTP.Listen) {
			bad("auth.mode", "\"open\" lets anyone who reaches %s see the checkpoints; it is for a loopback demo only: use \"login\" with [[users]]", c.HTTP.Listen)
		}
		if len(c.Users) > 0 {
			bad("auth.mode", "\"open\" ignores the [[users]] listed; remove them or use \"login\"")
		}
	default:
		bad("auth.mode", "%q: use \"login\" or \"open\"", c.Auth.Mode)
	}
	for key, v := range map[string]string{"auth.idle_timeout": c.Auth.IdleTimeout,
		"auth.session_ttl": c.Auth.SessionTTL, "auth.failure_window": c.Auth.FailureWindow} {
		if d, err := time.ParseDuration(v); err != nil || d < time.Minute || d > 7*24*time.Hour {
			bad(key, "%q: a duration from 1m to 168h, such as \"30m\" or \"12h\"", v)
		}
	}
	if c.Auth.MaxFailures < 1 || c.Auth.MaxFailures > 100 {
		bad("auth.max_failures", "%d: failed logins allowed per window, 1 to 100", c.Auth.MaxFailures)
	}
	seen := map[string]bool{}
	for i, u := range c.Users {
		key := fmt.Sprintf("users[%d]", i)
		if u.Name == "" || len(u.Name) > 64 || strings.ContainsFunc(u.Name, func(r rune) bool { return r <= ' ' }) {
			bad(key+".name", "%q: 1-64 bytes without spaces; the name typed at login and kept in the audit trail", u.Name)
		} else if seen[u.Name] {
			bad(key+".name", "%q is listed twice", u.Name)
		}
		seen[u.Name] = true
		u.validateScope(key, bad)
		if err := api.CheckPasswordHash(u.PasswordHash); err != nil {
			bad(key+".password_hash", "%v", err)
		}
	}
}

// validateScope checks that each role names exactly the scope it has.
func (u UserConfig) validateScope(key string, bad func(key, format string, args ...any)) {
	needSite, needUnit := false, false
	switch u.Role {
	case api.RoleGuard:
		needSite, needUnit = true, true
	case api.RoleSiteManager:
		needSite = true
	case api.RoleMonitor, api.RoleTracer:
	default:
		bad(key+".role", "%q: use guard, site_manager, monitor or tracer", u.Role)
		return
	}
	for _, f := range []struct {
		name, v string
		need    bool
	}{{"site", u.Site, needSite}, {"unit", u.Unit, needUnit}} {
		switch {
		case f.need && wire.ValidateID(f.v) != nil:
			bad(key+"."+f.name, "%q: a %s sees one %s; name it (a-z, 0-9, '-', '_')", f.v, u.Role, f.name)
		case !f.need && f.v != "":
			bad(key+"."+f.name, "a %s is not limited to one %s; remove it", u.Role, f.name)
		}
	}
}
