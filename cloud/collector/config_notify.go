package collector

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/kakou/kakou/cloud/notify"
	"github.com/kakou/kakou/cloud/store"
)

// AlertsConfig is the [alerts] table: when the collector raises alerts of
// its own about the units' state (unitalerts.go). Durations are Go's
// ("10m", "1h30m"); "0s" turns that alert off.
type AlertsConfig struct {
	// OfflineAfter: a unit whose retained status says offline this long
	// raises "offline".
	OfflineAfter string `toml:"offline_after"`
	// SilentAfter: a unit whose status says online but that has not been
	// heard from this long (its heartbeat is every 30 s) raises "silent".
	SilentAfter string `toml:"silent_after"`
	// BacklogAfter: an online unit whose oldest unacknowledged entry has
	// not changed this long raises "backlog": its backlog does not drain.
	BacklogAfter string `toml:"backlog_after"`
	// RoundTheClockSites are the sites on 24-hour duty (封闭管理 gates):
	// a unit offline there is high severity, elsewhere medium.
	RoundTheClockSites []string `toml:"round_the_clock_sites"`
}

// NotifyConfig is the [notify] table: where alerts are sent
// (cloud/notify) and when they escalate.
type NotifyConfig struct {
	// DashboardURL is the link in each message, e.g. https://kakou.example.gov.cn/.
	DashboardURL string `toml:"dashboard_url"`
	// EscalateAfter is how long an alert of each kind may stay
	// unacknowledged before it goes to the next level's channels;
	// "default" covers the kinds not listed.
	EscalateAfter map[string]string `toml:"escalate_after"`
	// GiveUpAfter is how long a notification is retried.
	GiveUpAfter string          `toml:"give_up_after"`
	Channels    []ChannelConfig `toml:"channels"`
}

// ChannelConfig is one [[notify.channels]] entry; see notify.Channel.
// The secret and, for the robots, the URL (its key is in it) are read
// from the environment at start, so they need not sit in the file.
type ChannelConfig struct {
	Name        string   `toml:"name"`
	Kind        string   `toml:"kind"` // wecom, dingtalk or webhook
	URL         string   `toml:"url"`
	URLEnv      string   `toml:"url_env"`    // environment variable holding the URL
	SecretEnv   string   `toml:"secret_env"` // environment variable holding the secret
	Sites       []string `toml:"sites"`
	Regions     []string `toml:"regions"`
	MinSeverity string   `toml:"min_severity"`
	Kinds       []string `toml:"kinds"`
	Level       int      `toml:"level"`
}

func defaultAlerts() AlertsConfig {
	return AlertsConfig{OfflineAfter: "10m", SilentAfter: "3m", BacklogAfter: "30m"}
}

func defaultNotify() NotifyConfig {
	return NotifyConfig{GiveUpAfter: "6h",
		EscalateAfter: map[string]string{"fever": "30m", "health_code_red": "30m", "watch_quarantine": "30m", "default": "1h"}}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c Config) validateNotify(bad func(key, format string, args ...any)) {
	for key, v := range map[string]string{"alerts.offline_after": c.Alerts.OfflineAfter,
		"alerts.silent_after": c.Alerts.SilentAfter, "alerts.backlog_after": c.Alerts.BacklogAfter,
		"notify.give_up_after": c.Notify.GiveUpAfter} {
		if d, err := time.ParseDuration(v); err != nil || d < 0 {
			bad(key, "%q is not a duration such as \"10m\" (\"0s\" turns it off)", v)
		}
	}
	for kind, v := range c.Notify.EscalateAfter {
		if d, err := time.ParseDuration(v); err != nil || d < 0 {
			bad("notify.escalate_after."+kind, "%q is not a duration such as \"30m\" (\"0s\": never escalate)", v)
		}
	}
	for _, s := range c.Alerts.RoundTheClockSites {
		if !slices.ContainsFunc(c.Sites, func(sc SiteConfig) bool { return sc.ID == s }) {
			bad("alerts.round_the_clock_sites", "%q is not a site in [[sites]]", s)
		}
	}
	names, known := map[string]bool{}, c.Regions()
	for i, ch := range c.Notify.Channels {
		key := fmt.Sprintf("notify.channels[%d]", i)
		if names[ch.Name] {
			bad(key+".name", "%q is used by another channel; names must be unique", ch.Name)
		}
		names[ch.Name] = true
		ch.validate(key, bad)
		for _, r := range ch.Regions {
			if !known.Has(r) {
				bad(key+".regions", "%q is not a region in [[regions]]", r)
			}
		}
	}
}

func (ch ChannelConfig) validate(key string, bad func(key, format string, args ...any)) {
	if (ch.URL == "") == (ch.URLEnv == "") {
		bad(key+".url", "set url or url_env (a robot's URL holds its key: prefer url_env), not both")
	}
	for k, v := range map[string]string{"url_env": ch.URLEnv, "secret_env": ch.SecretEnv} {
		if v != "" && !envName.MatchString(v) {
			bad(key+"."+k, "%q is not an environment variable name", v)
		}
	}
	if ch.Kind == notify.KindWebhook && ch.SecretEnv == "" {
		bad(key+".secret_env", "a webhook is signed: name the environment variable holding its secret")
	}
	if ch.Kind == notify.KindWeCom && ch.SecretEnv != "" {
		bad(key+".secret_env", "a WeCom robot has no secret (its key is in the URL); remove it")
	}
	probe := ch.channel("https://example.invalid/", "secret") // the URL and secret are checked at start
	if ch.URL != "" {
		probe.URL = ch.URL
	}
	if err := probe.Check(); err != nil {
		bad(key, "%v", err)
	}
}

func (ch ChannelConfig) channel(url, secret string) notify.Channel {
	return notify.Channel{Name: ch.Name, Kind: ch.Kind, URL: url, Secret: secret, Sites: ch.Sites,
		Regions: ch.Regions, MinSeverity: ch.MinSeverity, Kinds: ch.Kinds, Level: ch.Level}
}

// resolveChannels resolves the channels' URLs and secrets from the environment;
// a variable that is not set stops the collector at start, naming it.
func (n NotifyConfig) resolveChannels(getenv func(string) string) ([]notify.Channel, error) {
	out := make([]notify.Channel, 0, len(n.Channels))
	for i, ch := range n.Channels {
		url, secret := ch.URL, ""
		if ch.URLEnv != "" {
			if url = getenv(ch.URLEnv); url == "" {
				return nil, fmt.Errorf("notify.channels[%d].url_env: %s is not set; export the robot's webhook URL in it", i, ch.URLEnv)
			}
		}
		if ch.SecretEnv != "" {
			if secret = getenv(ch.SecretEnv); secret == "" {
				return nil, fmt.Errorf("notify.channels[%d].secret_env: %s is not set; export the channel's secret in it", i, ch.SecretEnv)
			}
		}
		c := ch.channel(url, secret)
		if err := c.Check(); err != nil {
			return nil, fmt.Errorf("notify.channels[%d] (%s): %w", i, ch.Name, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// escalation is EscalateAfter as notify takes it ("" for the default).
func (n NotifyConfig) escalation() map[string]time.Duration {
	out := map[string]time.Duration{}
	for kind, v := range n.EscalateAfter {
		d, _ := time.ParseDuration(v) // checked by Validate
		if kind == "default" {
			kind = ""
		}
		out[kind] = d
	}
	return out
}

// durations are [alerts]' durations, checked by Validate.
func (a AlertsConfig) durations() (offline, silent, backlog time.Duration) {
	offline, _ = time.ParseDuration(a.OfflineAfter)
	silent, _ = time.ParseDuration(a.SilentAfter)
	backlog, _ = time.ParseDuration(a.BacklogAfter)
	return offline, silent, backlog
}

// offlineSeverity is the severity of a unit offline at site.
func (a AlertsConfig) offlineSeverity(site string) string {
	if slices.Contains(a.RoundTheClockSites, site) {
		return store.SeverityHigh
	}
	return store.SeverityOf(store.KindOffline)
}
