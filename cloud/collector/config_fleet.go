package collector

import (
	"fmt"
	"os"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func (s StoreConfig) validate(bad func(key, format string, args ...any)) {
	switch s.Driver {
	case "sqlite":
		if s.DSN != "" {
			bad("store.dsn", "is for PostgreSQL; remove it or set store.driver = \"postgres\"")
		}
	case "postgres":
		if s.PostgresDSN() == "" {
			bad("store.dsn", "is required with store.driver = \"postgres\" (or set KAKOU_PG_DSN), e.g. postgres://kakou@10.0.0.7/kakou")
		}
	default:
		bad("store.driver", "%q: use \"sqlite\" or \"postgres\"", s.Driver)
	}
}

// PostgresDSN is the connection string, from KAKOU_PG_DSN if set.
func (s StoreConfig) PostgresDSN() string {
	if v := os.Getenv("KAKOU_PG_DSN"); v != "" {
		return v
	}
	return s.DSN
}

// CutAt parses Cut as hh:mm.
func (r ReportConfig) CutAt() (hour, minute int, err error) {
	t, err := time.Parse("15:04", r.Cut)
	if err != nil {
		return 0, 0, fmt.Errorf("want a local time such as 16:00")
	}
	return t.Hour(), t.Minute(), nil
}

func (c Config) validateSites(bad func(key, format string, args ...any)) {
	seen := map[string]bool{}
	for i, s := range c.Sites {
		key := fmt.Sprintf("sites[%d]", i)
		if err := wire.ValidateID(s.ID); err != nil {
			bad(key+".id", "%q: %v", s.ID, err)
		} else if seen[s.ID] {
			bad(key+".id", "%q is listed twice", s.ID)
		}
		seen[s.ID] = true
		if s.Capacity != 0 {
			bad(key+".capacity", "is no longer read: the cap is set in one place, the policy's [checks.capacity] max "+
				"(configs/policies/), pushed to the site and enforced by its gateway, whose count and cap the dashboard "+
				"shows; delete this key")
		}
		if s.Facility != "" && wire.ValidateID(s.Facility) != nil {
			bad(key+".facility", "%q: a facility type such as community, supermarket, clinic", s.Facility)
		}
	}
}

func (c Config) validateTokens(bad func(key, format string, args ...any)) {
	seen := map[string]bool{}
	for i, t := range c.Tokens {
		key := fmt.Sprintf("api_tokens[%d]", i)
		if len(t.Token) < 24 {
			bad(key+".token", "must be at least 24 characters; make one with: openssl rand -hex 24")
		} else if seen[t.Token] {
			bad(key+".token", "is used twice")
		}
		seen[t.Token] = true
		if t.User == "" {
			bad(key+".user", "is required: the name the audit trail records")
		}
		if t.Role != "monitor" && t.Role != "tracer" {
			bad(key+".role", "%q: use \"monitor\" or \"tracer\"", t.Role)
		}
	}
}
