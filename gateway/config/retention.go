package config

// Retention is the [retention] table (SECURITY.md "PII minimisation"): entries the cloud has
// acknowledged are deleted from the gateway's store Days after they were
// made, visitors' registrations with them (gateway/store/purge.go).
type Retention struct {
	Days int `toml:"days"`
}

// DefaultRetentionDays is the default: 28 days, two incubation
// periods of 14, as long as tracing looks back.
const DefaultRetentionDays = 28

func (r Retention) validate(bad func(string, string, ...any)) {
	if r.Days < 1 || r.Days > 3650 {
		bad("retention.days", "%d: want 1 to 3650 days (28 is the default)", r.Days)
	}
}
